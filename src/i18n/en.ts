/** English user-facing text. Keep every sentence the customer sees here, so it can be translated. */
export const en = {
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
  choiceExpired: 'That choice is no longer available. Please ask your question again.',
  yesWords: ['yes', 'y', 'yeah', 'yep', 'it did', 'helped', 'thanks'],
  noWords: ['no', 'n', 'nope', 'not really', "didn't", 'did not'],
  noneWords: ['none', 'none of these', 'neither', 'no'],
};
