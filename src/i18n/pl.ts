import type { Texts } from './texts.js';

/**
 * Polski. Every key of en.ts, written the way Polish support desks talk to customers (polite
 * "Pan/Pani"-free second person, as common in chat); word lists also match text typed without
 * Polish characters (normalised in dialogs/loose-match.ts).
 */
export const pl: Texts = {
  language: 'pl',
  dateLocale: 'pl',
  dateTimeFormat: 'EEE d MMM, HH:mm',
  phoneCountry: 'PL',
  languageNames: { en: 'angielskim', pt: 'portugalskim', pl: 'polskim' },
  otherLanguageNote: (language: string) => `Ten artykuł jest dostępny tylko w języku ${language}.`,
  teamsFullName: (botName: string) => `${botName} – pomoc techniczna`,
  teamsDescriptionShort: 'Odpowiedzi z bazy wiedzy, zgłoszenia, telefony od techników i eksperci.',
  teamsDescriptionFull:
    'Zadaj pytanie własnymi słowami: asystent odpowie na podstawie bazy wiedzy, gdy ma pewność, ' +
    'a w przeciwnym razie założy zgłoszenie, umówi telefon albo przekaże Cię ekspertowi — zawsze trafisz na właściwy poziom wsparcia.',
  greeting:
    'Cześć! Jestem asystentem wsparcia. Zapytaj mnie o cokolwiek związanego z produktem — odpowiem na podstawie naszej ' +
    'bazy wiedzy albo przekażę Cię właściwej osobie, jeśli sam nie będę wiedział.',
  answerSubtitle: 'Z naszej bazy wiedzy',
  readFullArticle: 'Przeczytaj cały artykuł',
  didThisHelp: 'Czy to pomogło?',
  yesHelped: 'Tak, pomogło',
  noDidNotHelp: 'Nie',
  plainFeedbackHint: 'Czy to pomogło? Odpowiedz „tak” albo „nie”.',
  thanksForFeedback: 'Dzięki za informację! Czy mogę pomóc w czymś jeszcze?',
  sorryNotHelpful: 'Przykro mi, że to nie pomogło.',
  didYouMeanTitle: 'Czy chodziło Ci o…',
  didYouMeanText: 'Znalazłem kilka artykułów, które mogą pasować. Który jest najbliższy?',
  noneOfThese: 'Żaden z nich',
  plainChoicesHint: (count: number) => `Odpowiedz numerem (1–${count}) albo „żaden”.`,
  notConfident: 'Nie mam pewności, czy znam właściwą odpowiedź, a wolę nie zgadywać.',
  ticketNextStep: 'Następny krok to zgłoszenie: ktoś z naszego zespołu przyjrzy się Twojemu pytaniu i odezwie się do Ciebie.',
  knowledgeLoading: 'Wciąż wczytuję bazę wiedzy. Spróbuj ponownie za minutę.',
  tooBusy: 'Odpowiadam teraz na bardzo wiele pytań. Zapytaj ponownie za kilka sekund.',
  knowledgeUnavailable: 'Automatyczne odpowiedzi są w tej chwili niedostępne.',
  emptyMessage: 'Wpisz swoje pytanie.',
  somethingWentWrong: 'Przepraszamy, coś poszło nie tak po naszej stronie. Spróbuj ponownie.',
  messageTooLong: (maxChars: number) =>
    `Ta wiadomość jest dla mnie za długa (limit to ${maxChars.toLocaleString('pl')} znaków). ` +
    'Czy możesz wysłać najważniejszą część pytania w krótszej wiadomości?',
  choiceExpired: 'Ta opcja nie jest już dostępna. Zadaj pytanie jeszcze raz.',
  yesWords: ['tak', 't', 'pomogło', 'tak pomogło', 'owszem', 'jasne', 'dzięki', 'dziękuję', 'działa', 'zadziałało', 'super', 'yes'],
  noWords: ['nie', 'n', 'nie pomogło', 'niezbyt', 'raczej nie', 'nie bardzo', 'nie działa', 'no'],
  noneWords: ['żaden', 'zaden', 'żadna', 'żadne', 'żaden z nich', 'żadna z nich', 'nic z tego', 'nie'],

  tierQuestion: 'Żebym mógł przekazać Cię właściwym osobom: jakiej pomocy potrzebujesz?',
  tierChoices: {
    L1: 'Pytanie do zespołu wsparcia',
    L2: 'Telefon od technika',
    L3: 'Ekspert do problemu technicznego',
    L4: 'Problem ze sprzętem lub hostingiem zewnętrznego dostawcy',
  },
  tierTeams: {
    L1: 'zespół wsparcia',
    L2: 'zespół techników',
    L3: 'zespół ekspertów',
    L4: 'zespół partnerski (razem z dostawcą)',
  },
  askEmail: 'Mogę założyć zgłoszenie dla naszego zespołu. Na jaki adres e-mail mają odpowiedzieć?',
  invalidEmail: 'To nie wygląda na adres e-mail. Wpisz go w postaci imie@przyklad.pl.',
  ticketReview: (summary: string, email: string, team: string) =>
    `Takie zgłoszenie bym założył:\n\n**Podsumowanie:** ${summary}\n\n**Odpowiedź na adres:** ${email}\n\n**Zajmie się nim:** nasz ${team}`,
  fileTicket: 'Załóż zgłoszenie',
  editSummary: 'Zmień podsumowanie',
  cancel: 'Anuluj',
  askSummary: 'Jak mamy podsumować Twoją prośbę? Wystarczą jedno lub dwa zdania.',
  ticketCancelled: 'Dobrze, niczego nie zgłosiłem. Możesz pytać o cokolwiek w dowolnej chwili.',
  ticketFiled: (reference: string, team: string, email: string, due: string) =>
    `Gotowe — Twoje zgłoszenie ma numer **${reference}**. Nasz ${team} odpowie na adres ${email} najpóźniej do ${due}. ` +
    `W każdej chwili możesz zapytać mnie „status ${reference}”.`,
  vendorNote: 'Sami kontaktujemy się z dostawcą, więc nie musisz się z nim kontaktować.',
  askPhone: 'Pod jaki numer ma zadzwonić nasz technik? Podaj numer z kierunkowym kraju, np. +48 22 123 45 67.',
  invalidPhone: 'To nie wygląda na prawidłowy numer telefonu. Podaj numer z kierunkowym kraju, np. +48 601 234 567.',
  askSlot: (timeZone: string) =>
    `Kiedy mamy zadzwonić? Wybierz termin poniżej (czas ${timeZone}) albo wpisz go, np. 2026-12-01 10:00.`,
  slotUnreadable: 'Nie udało mi się odczytać daty i godziny. Wybierz termin poniżej albo wpisz go, np. 2026-12-01 10:00.',
  slotPast: 'Ten termin już minął. Wybierz termin w przyszłości.',
  slotOutsideHours: (hours: string, timeZone: string) =>
    `Dzwonimy tylko w godzinach pracy (${hours}, ${timeZone}). Wybierz termin w tych godzinach.`,
  slotTooFar: (days: number) => `Rozmowę można zarezerwować najwyżej ${days} dni naprzód. Wybierz wcześniejszy termin.`,
  callbackFiled: (reference: string, phone: string, slot: string, timeZone: string) =>
    `Zarezerwowane — **${reference}**: technik zadzwoni pod numer ${phone} w terminie ${slot} (${timeZone}). ` +
    `W każdej chwili możesz zapytać mnie „status ${reference}”.`,
  ticketStatus: (reference: string, status: string, subject: string, updated: string) =>
    `**${reference}** — ${subject}\n\nStatus: **${status}** (ostatnia zmiana: ${updated}).`,
  ticketNotFound: (reference: string) =>
    `Nie znalazłem Twojego zgłoszenia ${reference}. Sprawdź numer i zapytaj z tego czatu, w którym je założyłeś.`,
  statusNames: { new: 'przyjęte', open: 'w realizacji', pending: 'czeka na Twoją odpowiedź', resolved: 'rozwiązane', closed: 'zamknięte' },
  ticketUnavailable: 'Przepraszamy, nie udało się teraz założyć zgłoszenia. Spróbuj ponownie za chwilę — nic z tego, co napisałeś, nie przepadło.',
  callbackWords: ['oddzwońcie', 'oddzwoń', 'proszę o telefon', 'zadzwońcie do mnie', 'zadzwoń do mnie', 'oddzwonienie', 'prośba o kontakt telefoniczny', 'oddzwonic', 'zadzwoncie'],
  humanWords: ['rozmawiać z człowiekiem', 'porozmawiać z człowiekiem', 'człowiek', 'konsultant', 'konsultantem', 'żywa osoba', 'prawdziwa osoba', 'agent', 'pracownik', 'rozmowa z konsultantem', 'rozmawiać z konsultantem', 'porozmawiać z konsultantem', 'połącz z konsultantem'],

  smallTalk: {
    hello: ['cześć', 'czesc', 'hej', 'witam', 'dzień dobry', 'dzien dobry', 'dobry wieczór', 'siema', 'halo', 'witaj', 'hejka'],
    thanks: ['dzięki', 'dzieki', 'dziękuję', 'dziekuje', 'bardzo dziękuję', 'dziękuję bardzo', 'wielkie dzięki', 'dzięki wielkie', 'dziękówka', 'thx'],
    bye: ['pa', 'do widzenia', 'do zobaczenia', 'na razie', 'cześć na razie', 'papa', 'miłego dnia', 'to wszystko', 'dobranoc'],
  },
  smallTalkReplies: {
    hello: 'Cześć! W czym mogę pomóc? Zadaj pytanie własnymi słowami.',
    thanks: 'Nie ma sprawy! Czy mogę pomóc w czymś jeszcze?',
    bye: 'Do widzenia i dzięki za kontakt!',
  },

  cancelWords: ['anuluj', 'anulować', 'stop', 'przestań', 'zostaw to', 'nieważne', 'niewazne', 'zapomnij', 'wyjdź', 'rezygnuję', 'cancel'],
  startOverWords: ['zacznij od nowa', 'zacznijmy od nowa', 'od nowa', 'od początku', 'restart', 'jeszcze raz od początku', 'nowe pytanie', 'start over'],
  helpWords: ['pomoc', 'pomocy', 'co potrafisz', 'co umiesz', 'jak to działa', 'menu', 'opcje', 'help'],
  cancelled: 'Dobrze, przerwałem i niczego nie zgłosiłem. Możesz pytać o cokolwiek w dowolnej chwili.',
  startedOver: 'Dobrze, zacznijmy od nowa. W czym mogę pomóc?',
  helpText:
    'Odpowiadam na pytania na podstawie naszej bazy wiedzy, a gdy nie potrafię, zakładam zgłoszenie albo umawiam telefon z właściwym zespołem. ' +
    'Odpowiedz na pytanie poniżej albo napisz „anuluj”, żeby przerwać, „zacznij od nowa”, żeby zadać nowe pytanie, lub „rozmowa z konsultantem”.',

  ordinalWords: [
    ['pierwszy', 'pierwsza', 'pierwsze', 'pierwszą', 'jeden', 'jedna', 'jedynka'],
    ['drugi', 'druga', 'drugie', 'drugą', 'dwa', 'dwójka'],
    ['trzeci', 'trzecia', 'trzecie', 'trzecią', 'trzy', 'trójka'],
    ['czwarty', 'czwarta', 'czwarte', 'czwartą', 'cztery', 'czwórka'],
    ['piąty', 'piąta', 'piąte', 'piątą', 'pięć', 'piątka'],
    ['szósty', 'szósta', 'szóste', 'szóstą', 'sześć', 'szóstka'],
  ],
  lastWords: ['ostatni', 'ostatnia', 'ostatnie', 'ostatnią'],
  fillerWords: [
    'ten', 'ta', 'to', 'tę', 'te', 'opcja', 'opcję', 'opcje', 'numer', 'nr', 'wybieram', 'wybór', 'chcę', 'chce', 'poproszę', 'poprosze', 'proszę', 'prosze',
    'dziękuję', 'dzięki', 'biorę', 'biore', 'niech', 'będzie', 'bedzie', 'ok', 'okej', 'dobrze', 'no', 'więc', 'wiec', 'i', 'a', 'z', 'mi', 'mnie',
    'chciałbym', 'chciałabym', 'mogę', 'moge', 'teraz', 'już', 'juz', 'się', 'sie',
  ],
  fileTicketWords: ['załóż', 'zalóż', 'załóż je', 'załóż zgłoszenie', 'zgłoś', 'zgłoś to', 'wyślij', 'wyślij je', 'tak', 't', 'potwierdzam', 'potwierdź', 'zatwierdź', 'dalej', 'jasne', 'pewnie', 'może być', 'dobrze', 'zgadza się'],
  editSummaryWords: ['zmień', 'zmien', 'edytuj', 'popraw', 'zmień podsumowanie', 'poprawić', 'zmienić', 'przeredaguj'],
  cancelTicketWords: ['anuluj', 'nie', 'nie zakładaj', 'nie zgłaszaj', 'rezygnuję', 'zostaw', 'nieważne'],
  tierChoiceWords: {
    L1: ['zespół wsparcia', 'wsparcie', 'pytanie', 'faktura', 'płatność', 'licencja', 'konto', 'rozliczenie'],
    L2: ['technik', 'telefon', 'zadzwońcie', 'oddzwońcie', 'oddzwonienie', 'kontakt telefoniczny', 'zadzwoń'],
    L3: ['ekspert', 'problem techniczny', 'techniczny', 'błąd', 'awaria', 'bug'],
    L4: ['sprzęt', 'hosting', 'dostawca', 'zewnętrzny', 'drukarka', 'serwer', 'partner'],
  },

  // Live chat with a human agent (src/handoff, dialogs/handoff-dialog.ts).
  liveChatOffer: (team: string) => `Ktoś z naszej obsługi (${team}) może teraz porozmawiać z Tobą na czacie. Chcesz?`,
  liveChatYes: 'Porozmawiaj teraz z człowiekiem',
  liveChatTicketInstead: 'Wolę założyć zgłoszenie',
  liveChatCallbackInstead: 'Wolę umówić telefon',
  liveChatYesWords: ['tak', 't', 'jasne', 'ok', 'okej', 'dobrze', 'poproszę', 'tak poproszę', 'czat', 'konsultant', 'z człowiekiem'],
  liveChatNoWords: ['nie', 'n', 'nie dziękuję', 'nie, dziękuję', 'zgłoszenie', 'ticket', 'telefon', 'oddzwońcie', 'później'],
  liveChatOutsideHours: (team: string, hours: string, timeZone: string) =>
    `Nasz ${team} prowadzi czat w godzinach pracy (${hours}, ${timeZone}), a teraz jesteśmy poza nimi — oto najlepsza alternatywa.`,
  liveChatNobodyFree: (team: string) => `Nikt z naszej obsługi (${team}) nie może teraz rozmawiać na czacie — oto najlepsza alternatywa.`,
  liveChatQueued: (position: number, team: string, waitMinutes: number | undefined) =>
    `Jesteś ${position}. w kolejce (${team}).` +
    (waitMinutes === undefined ? '' : ` Szacowany czas oczekiwania: około ${waitMinutes} min.`) +
    ' Napisz „anuluj” w dowolnej chwili, żeby wyjść z kolejki — wtedy założymy zgłoszenie z Twoim pytaniem.',
  liveChatPosition: (position: number, waitMinutes: number | undefined) =>
    `Jesteś teraz ${position}. w kolejce.` + (waitMinutes === undefined ? '' : ` Szacowany czas oczekiwania: około ${waitMinutes} min.`),
  liveChatJoined: (agent: string, team: string) => `${agent} (${team}) dołącza do rozmowy.`,
  liveChatTransferred: (team: string) => `Przekazuję Cię dalej: ${team}. Nie zamykaj czatu.`,
  liveChatLeftQueue: (next: 'ticket' | 'callback') =>
    next === 'ticket'
      ? 'Dobrze, kolejka opuszczona. Zapiszmy zamiast tego Twoje pytanie jako zgłoszenie, żeby nasz zespół mógł się odezwać.'
      : 'Dobrze, kolejka opuszczona. Umówmy zamiast tego rozmowę telefoniczną z naszym technikiem.',
  liveChatTimedOut: (minutes: number, next: 'ticket' | 'callback') =>
    `Przepraszamy — przez ${minutes} min nikt się nie zwolnił. ` +
    (next === 'ticket'
      ? 'Napisz cokolwiek, a zapiszę Twoje pytanie jako zgłoszenie, żeby nasz zespół mógł się odezwać (albo napisz „anuluj”, jeśli pomoc nie jest już potrzebna).'
      : 'Napisz cokolwiek, a umówię rozmowę telefoniczną z naszym technikiem (albo napisz „anuluj”, jeśli pomoc nie jest już potrzebna).'),
  liveChatClosing: 'Dzięki za rozmowę! Wracasz do asystenta.',
  satisfactionQuestion: 'Jak oceniasz otrzymaną pomoc? Odpowiedz liczbą od 1 (bardzo źle) do 5 (bardzo dobrze).',
  satisfactionThanks: 'Dziękujemy za ocenę! Możesz pytać o cokolwiek w dowolnej chwili.',
  // Agent workspace (src/workspace): stand-ins when a playbook variable has no value, and the answer card.
  playbookFallbacks: { 'customer.name': 'Kliencie', 'ticket.reference': 'Twoje zgłoszenie', 'agent.name': 'nasz zespół', 'sla.due': 'jak najszybciej' },
  answerCardFooter: 'Wysłane przez nasz zespół wsparcia z bazy wiedzy.',
  liveChatLeaveWords: ['anuluj', 'wyjdź z kolejki', 'wyjdz z kolejki', 'nie chcę czekać', 'rezygnuję', 'nieważne'],
  vendorConsentQuestion: (vendor: string, reference: string) =>
    `Aby rozwiązać ${reference}, chcemy poprosić o pomoc firmę ${vendor}. Czy możemy przekazać Twoje zgłoszenie i dane kontaktowe firmie ${vendor}? Odpowiedz „tak” lub „nie”.`,
  vendorConsentAgain: (vendor: string) => `Odpowiedz „tak” lub „nie”: czy możemy przekazać Twoje zgłoszenie i dane kontaktowe firmie ${vendor}?`,
  vendorConsentGiven: (vendor: string) => `Dziękujemy. Przekazujemy Twoje zgłoszenie firmie ${vendor} i damy znać tutaj, gdy tylko odpowie.`,
  vendorConsentRefused: (vendor: string) => `Rozumiemy: nic nie zostanie przekazane firmie ${vendor}. Nasz zespół dalej pracuje nad Twoim zgłoszeniem.`,
  vendorReply: (vendor: string, reference: string, text: string) => `Informacja od firmy ${vendor} w sprawie ${reference}: ${text}`,
  vendorConsentYesWords: ['tak', 't', 'zgoda', 'zgadzam się', 'jasne', 'ok', 'dobrze', 'możecie', 'mozecie', 'yes'],
  vendorConsentNoWords: ['nie', 'n', 'nie zgadzam się', 'nie zgadzam sie', 'nie wyrażam zgody', 'wolę nie', 'no'],
};
