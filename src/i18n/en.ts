/** English user-facing text. Keep every sentence the customer sees here, so it can be translated. */
export const en = {
  /** ISO 639-1 code of this file's language. */
  language: 'en',
  /** Locale for dates, times and weekdays (luxon `setLocale`). */
  dateLocale: 'en-GB',
  greeting:
    "Hi! I'm the support assistant. Ask me anything about the product — I'll answer from our knowledge base, " +
    'or get you to the right person if I can’t.',
  answerSubtitle: 'From our knowledge base',
  readFullArticle: 'Read the full article',
  didThisHelp: 'Did this help?',
  yesHelped: 'Yes, that helped',
  noDidNotHelp: 'No',
  plainFeedbackHint: 'Did this help? Reply "yes" or "no".',
  thanksForFeedback: 'Thanks for letting me know! Anything else I can help with?',
  sorryNotHelpful: "Sorry that didn't help.",
  didYouMeanTitle: 'Did you mean…',
  didYouMeanText: 'I found a few articles that could fit. Which one is closest?',
  noneOfThese: 'None of these',
  plainChoicesHint: (count: number) => `Reply with a number (1–${count}), or "none".`,
  notConfident:
    "I'm not confident I have the right answer for that, and I'd rather not guess.",
  ticketNextStep:
    'The next step is a support ticket: a member of our team will look at your question and get back to you.',
  knowledgeLoading: "I'm still loading the knowledge base. Please try again in a minute.",
  knowledgeUnavailable: "Self-help answers aren't available right now.",
  emptyMessage: 'Please type your question.',
  somethingWentWrong: 'Sorry, something went wrong on our side. Please try again.',
  messageTooLong: (maxChars: number) =>
    `That message is too long for me to read (the limit is ${maxChars.toLocaleString('en')} characters). ` +
    'Could you send the key part of your question in a shorter message?',
  choiceExpired: 'That choice is no longer available. Please ask your question again.',
  yesWords: ['yes', 'y', 'yeah', 'yep', 'it did', 'helped', 'thanks'],
  noWords: ['no', 'n', 'nope', 'not really', "didn't", 'did not'],
  noneWords: ['none', 'none of these', 'neither', 'no'],

  tierQuestion: 'So I can get you to the right people: what kind of help do you need?',
  tierChoices: {
    L1: 'A question for the support team',
    L2: 'A technician calling me back',
    L3: 'An expert for a technical problem',
    L4: 'A problem with third-party hardware or hosting',
  },
  tierTeams: {
    L1: 'support team',
    L2: 'technicians',
    L3: 'expert team',
    L4: 'partner team (with the vendor)',
  },
  askEmail: 'I can file a ticket for our team. Which email address should they reply to?',
  invalidEmail: "That doesn't look like an email address. Please type it like name@example.com.",
  ticketReview: (summary: string, email: string, team: string) =>
    `Here's the ticket I'd file:\n\n**Summary:** ${summary}\n\n**Reply to:** ${email}\n\n**Handled by:** our ${team}`,
  fileTicket: 'File the ticket',
  editSummary: 'Edit the summary',
  cancel: 'Cancel',
  askSummary: 'How should we summarise your request? One or two sentences are enough.',
  ticketCancelled: "OK, I haven't filed anything. Ask me anything else any time.",
  ticketFiled: (reference: string, team: string, email: string, due: string) =>
    `Done — your ticket is **${reference}**. Our ${team} will reply to ${email} by ${due} at the latest. ` +
    `You can ask me "status of ${reference}" any time.`,
  vendorNote: 'We coordinate with the vendor for you, so you don’t have to contact them yourself.',
  askPhone: 'What number should our technician call? Please include the country code, e.g. +49 30 1234567.',
  invalidPhone: "That doesn't look like a valid phone number. Please include the country code, e.g. +44 20 7946 0958.",
  askSlot: (timeZone: string) => `When should we call? Pick a time below (times are ${timeZone}) or type one like 2026-12-01 10:00.`,
  slotUnreadable: "I couldn't read that as a date and time. Please pick a time below or type one like 2026-12-01 10:00.",
  slotPast: 'That time has already passed. Please choose a time in the future.',
  slotOutsideHours: (hours: string, timeZone: string) =>
    `We can only call during business hours (${hours}, ${timeZone}). Please choose a time within those hours.`,
  slotTooFar: (days: number) => `We can book callbacks up to ${days} days ahead. Please choose an earlier time.`,
  callbackFiled: (reference: string, phone: string, slot: string, timeZone: string) =>
    `Booked — **${reference}**: a technician will call ${phone} on ${slot} (${timeZone}). ` +
    `You can ask me "status of ${reference}" any time.`,
  ticketStatus: (reference: string, status: string, subject: string, updated: string) =>
    `**${reference}** — ${subject}\n\nStatus: **${status}** (last update ${updated}).`,
  ticketNotFound: (reference: string) =>
    `I couldn't find a ticket ${reference} for you. Please check the reference, and ask from the chat where you filed it.`,
  statusNames: { new: 'received', open: 'in progress', pending: 'waiting for your reply', resolved: 'resolved', closed: 'closed' },
  ticketUnavailable: "Sorry, I couldn't file the ticket just now. Please try again in a moment — nothing you wrote is lost.",
  callbackWords: ['call me back', 'callback', 'call back', 'request a callback', 'phone me', 'ring me'],
  humanWords: ['talk to a human', 'human', 'agent', 'real person', 'talk to someone', 'speak to someone', 'support person'],
};
