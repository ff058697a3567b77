/** English user-facing text. Keep every sentence the customer sees here, so it can be translated. */
export const en = {
  /** ISO 639-1 code of this file's language. */
  language: 'en',
  /** Locale for dates, times and weekdays (luxon `setLocale`). */
  dateLocale: 'en-GB',
  /** Luxon format of a date and time the customer reads ("Tue 1 Dec, 10:00"). */
  dateTimeFormat: 'ccc d LLL, HH:mm',
  /** Country assumed for a phone number typed without +country code ('' = none: the code is required). */
  phoneCountry: '',
  /** Names of the desk's languages, in this language (for "this article is in …"). */
  languageNames: { en: 'English', pt: 'Portuguese', pl: 'Polish' } as Record<string, string>,
  /** Shown above an answer taken from an article in another language. */
  otherLanguageNote: (language: string) => `This article is only available in ${language}.`,
  /** Teams app listing (manifest and its localisation files; Teams limits: 100 / 80 / 4000 characters). */
  teamsFullName: (botName: string) => `${botName} support desk`,
  teamsDescriptionShort: 'Answers from the knowledge base, tickets, callbacks and experts.',
  teamsDescriptionFull:
    'Ask a question in your own words: the assistant answers from the knowledge base when it is sure, ' +
    'and otherwise files a ticket, books a callback or hands you to an expert, so you always get to the right level of support.',
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
  /** Sent when more questions wait for the language model than it can answer soon (embedding-batcher.ts back-pressure). */
  tooBusy: "I'm answering a lot of questions right now. Please ask again in a few seconds.",
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
  humanWords: ['talk to a human', 'human', 'agent', 'real person', 'talk to someone', 'speak to someone', 'support person', 'talk to a person', 'speak to a person', 'speak to a human'],

  // Small talk: a whole message that is only a greeting, thanks or goodbye gets a short reply.
  smallTalk: {
    hello: ['hi', 'hello', 'hey', 'hiya', 'good morning', 'good afternoon', 'good evening', 'morning', 'hi there', 'hello there'],
    thanks: ['thanks', 'thank you', 'thx', 'ty', 'cheers', 'many thanks', 'thanks a lot', 'thank you very much', 'great thanks', 'perfect thanks'],
    bye: ['bye', 'goodbye', 'bye bye', 'see you', 'see ya', 'cya', 'have a nice day', 'good night', 'thats all', "that's all"],
  },
  smallTalkReplies: {
    hello: 'Hello! What can I help you with? Ask me a question in your own words.',
    thanks: "You're welcome! Anything else I can help with?",
    bye: 'Goodbye, and thanks for getting in touch!',
  },

  // Words that work at every prompt (see dialogs/interruptions.ts). "Talk to a human" uses humanWords.
  cancelWords: ['cancel', 'stop', 'never mind', 'nevermind', 'forget it', 'quit', 'abort', 'cancel that', 'cancel it'],
  startOverWords: ['start over', 'start again', 'restart', 'begin again', 'from the beginning', 'start from scratch', 'new question'],
  helpWords: ['help', 'what can you do', 'how does this work', 'menu', 'options'],
  cancelled: "OK, I've stopped that and nothing was filed. Ask me anything else any time.",
  startedOver: "OK, let's start over. What can I help you with?",
  helpText:
    'I answer questions from our knowledge base and, when I can’t, file a ticket or book a call with the right team. ' +
    'Answer my question below, or say "cancel" to stop, "start over" for a new question, or "talk to a human".',

  // Loose matching of typed choices ("the second one", "file it", "yes please").
  ordinalWords: [
    ['first', '1st', 'one', 'top'],
    ['second', '2nd', 'two'],
    ['third', '3rd', 'three'],
    ['fourth', '4th', 'four'],
    ['fifth', '5th', 'five'],
    ['sixth', '6th', 'six'],
  ],
  lastWords: ['last', 'last one', 'the last'],
  /** Words that never change what a reply means ("the second ONE, PLEASE"). */
  fillerWords: [
    'the', 'a', 'an', 'one', 'option', 'choice', 'number', 'no.', 'nr', 'please', 'pls', 'plz', 'thanks', 'thank', 'you', 'i', 'id', "i'd",
    'want', 'would', 'like', 'take', 'choose', 'pick', 'go', 'for', 'with', 'it', 'that', 'this', 'is', 'oh', 'ok', 'okay', 'just', 'then', 'let', "let's", 'me',
    'to', 'can', 'could', 'may', 'need', 'now', 'right', 'so',
  ],
  /** More ways to say each button of the ticket review. */
  fileTicketWords: ['file it', 'file', 'file ticket', 'submit', 'submit it', 'send', 'send it', 'go ahead', 'yes', 'y', 'yeah', 'yep', 'sure', 'do it', 'confirm', 'looks good', 'create it', 'open it'],
  editSummaryWords: ['edit', 'edit it', 'change', 'change it', 'change summary', 'rewrite', 'correct it', 'fix it', 'modify'],
  cancelTicketWords: ['cancel', 'no', 'nope', "don't", 'dont', 'do not file', "don't file it", 'forget it'],
  /** More ways to answer the tier question than the button titles. */
  tierChoiceWords: {
    L1: ['support team', 'support', 'a question', 'question', 'billing', 'invoice', 'licence', 'license', 'account'],
    L2: ['technician', 'call', 'call me', 'call me back', 'callback', 'phone', 'phone me', 'ring me'],
    L3: ['expert', 'technical problem', 'technical', 'bug', 'error', 'crash'],
    L4: ['hardware', 'hosting', 'third party', 'third-party', 'vendor', 'printer', 'server', 'partner'],
  },
  // Live chat with a human agent (src/handoff, dialogs/handoff-dialog.ts).
  liveChatOffer: (team: string) => `Someone from our ${team} can chat with you live right now. Would you like that?`,
  liveChatYes: 'Chat with a person now',
  liveChatTicketInstead: 'File a ticket instead',
  liveChatCallbackInstead: 'Book a callback instead',
  /** Typed answers to the live-chat offer besides its button titles (loose matching, dialogs/loose-match.ts). */
  liveChatYesWords: ['yes', 'y', 'yeah', 'yep', 'sure', 'ok', 'okay', 'yes please', 'please', 'chat', 'live chat', 'a person'],
  liveChatNoWords: ['no', 'n', 'nope', 'no thanks', 'no thank you', 'ticket', 'a ticket', 'callback', 'call me back', 'later'],
  liveChatOutsideHours: (team: string, hours: string, timeZone: string) =>
    `Our ${team} chats live during business hours (${hours}, ${timeZone}), and we're outside them now — so here is the next best thing.`,
  liveChatNobodyFree: (team: string) => `Nobody from our ${team} is free to chat live right now — so here is the next best thing.`,
  liveChatQueued: (position: number, team: string, waitMinutes: number | undefined) =>
    `You're number ${position} in the queue for our ${team}.` +
    (waitMinutes === undefined ? '' : ` Estimated wait: about ${waitMinutes} minute${waitMinutes === 1 ? '' : 's'}.`) +
    ' Type "cancel" any time to leave the queue and have your question filed as a ticket instead.',
  liveChatPosition: (position: number, waitMinutes: number | undefined) =>
    `You're now number ${position} in the queue.` +
    (waitMinutes === undefined ? '' : ` Estimated wait: about ${waitMinutes} minute${waitMinutes === 1 ? '' : 's'}.`),
  liveChatJoined: (agent: string, team: string) => `${agent} from our ${team} has joined the chat.`,
  liveChatTransferred: (team: string) => `I'm transferring you to our ${team}. Please stay in the chat.`,
  /** Then the ticket dialog (email, review) or, for L2, the callback dialog (phone, slot) starts. */
  liveChatLeftQueue: (next: 'ticket' | 'callback'): string =>
    next === 'ticket'
      ? "OK, you've left the queue. Let's write your question down as a ticket instead, so our team can get back to you."
      : "OK, you've left the queue. Let's book a call from our technicians instead.",
  /** Sent proactively (the customer may not be typing); their next message starts the ticket / callback dialog. */
  liveChatTimedOut: (minutes: number, next: 'ticket' | 'callback') =>
    `I'm sorry — nobody became free within ${minutes} minutes. ` +
    (next === 'ticket'
      ? 'Send me any message and I\'ll write your question down as a ticket, so our team can get back to you (or say "cancel" if you no longer need help).'
      : 'Send me any message and I\'ll book a call from our technicians for you (or say "cancel" if you no longer need help).'),
  liveChatClosing: "Thanks for chatting with us! I'm handing you back to the assistant.",
  satisfactionQuestion: 'How happy are you with the help you got? Reply with a number from 1 (not at all) to 5 (very).',
  satisfactionThanks: 'Thank you for the rating! Ask me anything else any time.',
  // Agent workspace (src/workspace): stand-ins when a playbook variable has no value, and the answer card.
  playbookFallbacks: { 'customer.name': 'there', 'ticket.reference': 'your ticket', 'agent.name': 'our team', 'sla.due': 'as soon as possible' },
  answerCardFooter: 'Sent by our support team from the knowledge base.',
  liveChatLeaveWords: ['cancel', 'leave the queue', 'leave queue', 'stop waiting', 'never mind'],
  // Vendor step of L4 (src/vendors): consent before anything goes to a third party, then the vendor's replies.
  vendorConsentQuestion: (vendor: string, reference: string): string =>
    `To solve ${reference} we would like help from ${vendor}. May we share your request and contact details with ${vendor}? Please reply "yes" or "no".`,
  vendorConsentAgain: (vendor: string): string => `Please reply "yes" or "no": may we share your request and contact details with ${vendor}?`,
  vendorConsentGiven: (vendor: string): string => `Thank you. We are passing your request to ${vendor} and will tell you here as soon as they answer.`,
  vendorConsentRefused: (vendor: string): string => `Understood: nothing is shared with ${vendor}. Our own team keeps working on your request.`,
  vendorReply: (vendor: string, reference: string, text: string): string => `Update from ${vendor} on ${reference}: ${text}`,
  vendorConsentYesWords: ['yes', 'y', 'yeah', 'yep', 'sure', 'ok', 'okay', 'yes please', 'go ahead', 'i agree', 'agree', 'fine'],
  vendorConsentNoWords: ['no', 'n', 'nope', 'no thanks', 'no thank you', "don't", 'dont', 'do not', 'i do not agree', "i don't agree"],
};
