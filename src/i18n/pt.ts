import type { Texts } from './texts.js';

/**
 * Português do Brasil. Every key of en.ts, written for Brazilian customers (você, "chamado",
 * "atendente"); the word lists also understand European Portuguese and text typed without accents.
 */
export const pt: Texts = {
  language: 'pt',
  dateLocale: 'pt-BR',
  dateTimeFormat: "EEE, d 'de' MMM, HH:mm",
  phoneCountry: 'BR',
  languageNames: { en: 'inglês', pt: 'português', pl: 'polonês' },
  otherLanguageNote: (language: string) => `Este artigo só está disponível em ${language}.`,
  teamsFullName: (botName: string) => `Central de suporte ${botName}`,
  teamsDescriptionShort: 'Respostas da base de conhecimento, chamados, ligações e especialistas.',
  teamsDescriptionFull:
    'Faça sua pergunta com as suas palavras: o assistente responde com a base de conhecimento quando tem certeza ' +
    'e, se não tiver, abre um chamado, agenda uma ligação ou encaminha você a um especialista — assim você sempre chega ao nível de suporte certo.',
  greeting:
    'Olá! Sou o assistente de suporte. Pode me perguntar qualquer coisa sobre o produto — respondo com a nossa base de ' +
    'conhecimento ou encaminho você para a pessoa certa, se eu não souber.',
  answerSubtitle: 'Da nossa base de conhecimento',
  readFullArticle: 'Ler o artigo completo',
  didThisHelp: 'Isso ajudou?',
  yesHelped: 'Sim, ajudou',
  noDidNotHelp: 'Não',
  plainFeedbackHint: 'Isso ajudou? Responda "sim" ou "não".',
  thanksForFeedback: 'Obrigado pelo retorno! Posso ajudar com mais alguma coisa?',
  sorryNotHelpful: 'Que pena que não ajudou.',
  didYouMeanTitle: 'Você quis dizer…',
  didYouMeanText: 'Encontrei alguns artigos que podem servir. Qual deles é o mais próximo?',
  noneOfThese: 'Nenhum destes',
  plainChoicesHint: (count: number) => `Responda com um número (1–${count}) ou "nenhum".`,
  notConfident: 'Não tenho certeza de ter a resposta certa para isso e prefiro não chutar.',
  ticketNextStep: 'O próximo passo é abrir um chamado: alguém da nossa equipe vai analisar sua pergunta e retornar para você.',
  knowledgeLoading: 'Ainda estou carregando a base de conhecimento. Tente de novo daqui a um minuto, por favor.',
  tooBusy: 'Estou respondendo a muitas perguntas agora. Pergunte de novo daqui a alguns segundos, por favor.',
  knowledgeUnavailable: 'As respostas automáticas não estão disponíveis no momento.',
  emptyMessage: 'Digite sua pergunta, por favor.',
  somethingWentWrong: 'Desculpe, algo deu errado do nosso lado. Tente novamente, por favor.',
  messageTooLong: (maxChars: number) =>
    `Essa mensagem é longa demais para eu ler (o limite é de ${maxChars.toLocaleString('pt-BR')} caracteres). ` +
    'Você pode mandar a parte principal da pergunta numa mensagem mais curta?',
  choiceExpired: 'Essa opção não está mais disponível. Faça sua pergunta de novo, por favor.',
  yesWords: ['sim', 's', 'isso', 'ajudou', 'ajudou sim', 'sim ajudou', 'claro', 'com certeza', 'obrigado', 'obrigada', 'valeu', 'resolveu', 'funcionou', 'yes'],
  noWords: ['não', 'nao', 'n', 'não ajudou', 'nao ajudou', 'não muito', 'nem um pouco', 'não resolveu', 'não funcionou', 'no'],
  noneWords: ['nenhum', 'nenhuma', 'nenhum destes', 'nenhum deles', 'nenhuma delas', 'nenhum desses', 'não', 'nao'],

  tierQuestion: 'Para eu encaminhar você para as pessoas certas: de que tipo de ajuda você precisa?',
  tierChoices: {
    L1: 'Uma dúvida para a equipe de suporte',
    L2: 'Um técnico me ligar de volta',
    L3: 'Um especialista para um problema técnico',
    L4: 'Um problema com hardware ou hospedagem de terceiros',
  },
  tierTeams: {
    L1: 'equipe de suporte',
    L2: 'equipe técnica',
    L3: 'equipe de especialistas',
    L4: 'equipe de parceiros (junto com o fornecedor)',
  },
  askEmail: 'Posso abrir um chamado para a nossa equipe. Em qual e-mail eles devem responder?',
  invalidEmail: 'Isso não parece um endereço de e-mail. Digite no formato nome@exemplo.com.br, por favor.',
  ticketReview: (summary: string, email: string, team: string) =>
    `Este é o chamado que eu abriria:\n\n**Resumo:** ${summary}\n\n**Responder para:** ${email}\n\n**Atendido por:** nossa ${team}`,
  fileTicket: 'Abrir o chamado',
  editSummary: 'Editar o resumo',
  cancel: 'Cancelar',
  askSummary: 'Como devemos resumir sua solicitação? Uma ou duas frases bastam.',
  ticketCancelled: 'Tudo bem, não abri nada. Pode me perguntar outra coisa quando quiser.',
  ticketFiled: (reference: string, team: string, email: string, due: string) =>
    `Pronto — seu chamado é o **${reference}**. Nossa ${team} vai responder para ${email} até ${due}, no máximo. ` +
    `Você pode me perguntar "status do ${reference}" a qualquer momento.`,
  vendorNote: 'Nós falamos com o fornecedor por você, então não precisa entrar em contato com ele.',
  askPhone: 'Em qual número o nosso técnico deve ligar? Inclua o DDD, por exemplo (11) 91234-5678, ou o código do país, como +55 11 91234-5678.',
  invalidPhone: 'Esse número de telefone não parece válido. Inclua o DDD ou o código do país, por exemplo +55 21 3456-7890.',
  askSlot: (timeZone: string) =>
    `Quando podemos ligar? Escolha um horário abaixo (horário de ${timeZone}) ou digite um, como 2026-12-01 10:00.`,
  slotUnreadable: 'Não consegui entender isso como data e hora. Escolha um horário abaixo ou digite um, como 2026-12-01 10:00.',
  slotPast: 'Esse horário já passou. Escolha um horário no futuro, por favor.',
  slotOutsideHours: (hours: string, timeZone: string) =>
    `Só conseguimos ligar no horário comercial (${hours}, ${timeZone}). Escolha um horário dentro desse período, por favor.`,
  slotTooFar: (days: number) => `Conseguimos agendar retornos com até ${days} dias de antecedência. Escolha uma data mais próxima, por favor.`,
  callbackFiled: (reference: string, phone: string, slot: string, timeZone: string) =>
    `Agendado — **${reference}**: um técnico vai ligar para ${phone} em ${slot} (${timeZone}). ` +
    `Você pode me perguntar "status do ${reference}" a qualquer momento.`,
  ticketStatus: (reference: string, status: string, subject: string, updated: string) =>
    `**${reference}** — ${subject}\n\nStatus: **${status}** (última atualização em ${updated}).`,
  ticketNotFound: (reference: string) =>
    `Não encontrei o chamado ${reference} para você. Confira o número e pergunte pelo mesmo chat em que abriu o chamado.`,
  statusNames: { new: 'recebido', open: 'em andamento', pending: 'aguardando sua resposta', resolved: 'resolvido', closed: 'encerrado' },
  ticketUnavailable: 'Desculpe, não consegui abrir o chamado agora. Tente de novo em instantes — nada do que você escreveu se perdeu.',
  callbackWords: ['me liga', 'me ligue', 'me ligar', 'ligar de volta', 'ligue de volta', 'retorno por telefone', 'quero um retorno', 'pedir retorno', 'liguem-me', 'contactem-me por telefone'],
  humanWords: ['falar com um humano', 'falar com uma pessoa', 'falar com alguém', 'falar com atendente', 'falar com um atendente', 'atendente', 'humano', 'pessoa real', 'operador', 'agente', 'falar com o suporte'],

  smallTalk: {
    hello: ['oi', 'olá', 'ola', 'oie', 'bom dia', 'boa tarde', 'boa noite', 'e aí', 'e ai', 'alô', 'oi tudo bem', 'olá tudo bem', 'tudo bem'],
    thanks: ['obrigado', 'obrigada', 'muito obrigado', 'muito obrigada', 'valeu', 'brigado', 'brigada', 'obg', 'vlw', 'agradeço', 'obrigadão'],
    bye: ['tchau', 'até logo', 'até mais', 'até breve', 'adeus', 'falou', 'xau', 'tenha um bom dia', 'era só isso', 'é só isso'],
  },
  smallTalkReplies: {
    hello: 'Olá! Como posso ajudar? Faça sua pergunta com as suas palavras.',
    thanks: 'De nada! Posso ajudar com mais alguma coisa?',
    bye: 'Até logo, e obrigado pelo contato!',
  },

  cancelWords: ['cancelar', 'cancela', 'cancele', 'parar', 'pare', 'para', 'deixa pra lá', 'deixa para lá', 'esquece', 'esquece isso', 'sair', 'desistir', 'cancel'],
  startOverWords: ['começar de novo', 'recomeçar', 'reiniciar', 'do início', 'do zero', 'voltar ao início', 'nova pergunta', 'comecar de novo', 'start over'],
  helpWords: ['ajuda', 'socorro', 'o que você faz', 'o que você pode fazer', 'como funciona', 'menu', 'opções', 'help'],
  cancelled: 'Tudo bem, parei por aqui e nada foi registrado. Pode me perguntar outra coisa quando quiser.',
  startedOver: 'Certo, vamos começar de novo. Como posso ajudar?',
  helpText:
    'Eu respondo perguntas com a nossa base de conhecimento e, quando não consigo, abro um chamado ou agendo uma ligação com a equipe certa. ' +
    'Responda à pergunta abaixo ou diga "cancelar" para parar, "começar de novo" para uma nova pergunta ou "falar com um atendente".',

  ordinalWords: [
    ['primeiro', 'primeira', '1º', '1ª', 'um', 'uma'],
    ['segundo', 'segunda', '2º', '2ª', 'dois', 'duas'],
    ['terceiro', 'terceira', '3º', '3ª', 'três', 'tres'],
    ['quarto', 'quarta', '4º', '4ª', 'quatro'],
    ['quinto', 'quinta', '5º', '5ª', 'cinco'],
    ['sexto', 'sexta', '6º', '6ª', 'seis'],
  ],
  lastWords: ['último', 'última', 'o último', 'a última'],
  fillerWords: [
    'o', 'a', 'os', 'as', 'um', 'uma', 'opção', 'opcao', 'alternativa', 'número', 'numero', 'nº', 'n°', 'por', 'favor', 'pf', 'pfv', 'obrigado', 'obrigada',
    'eu', 'quero', 'queria', 'gostaria', 'prefiro', 'escolho', 'fico', 'com', 'isso', 'essa', 'esse', 'ok', 'pode', 'então', 'entao', 'é', 'e', 'de', 'da', 'do', 'me',
    'preciso', 'posso', 'agora', 'já', 'ja', 'para', 'pra',
  ],
  fileTicketWords: ['abrir', 'abre', 'abra', 'pode abrir', 'abrir chamado', 'abre o chamado', 'enviar', 'envia', 'envie', 'pode enviar', 'manda', 'pode mandar', 'sim', 's', 'confirmar', 'confirmo', 'certo', 'beleza', 'registrar', 'criar', 'pode criar', 'está bom', 'tá bom', 'ta bom'],
  editSummaryWords: ['editar', 'edita', 'alterar', 'altera', 'mudar', 'muda', 'corrigir', 'corrige', 'mudar o resumo', 'reescrever', 'ajustar'],
  cancelTicketWords: ['cancelar', 'cancela', 'não', 'nao', 'não abrir', 'nao abrir', 'esquece', 'deixa pra lá', 'desistir'],
  tierChoiceWords: {
    L1: ['equipe de suporte', 'suporte', 'dúvida', 'duvida', 'pergunta', 'fatura', 'cobrança', 'faturação', 'licença', 'conta'],
    L2: ['técnico', 'tecnico', 'ligar', 'me liga', 'me ligue', 'ligação', 'telefone', 'retorno', 'ligar de volta'],
    L3: ['especialista', 'problema técnico', 'técnico especialista', 'erro', 'bug', 'falha', 'travando'],
    L4: ['hardware', 'hospedagem', 'terceiros', 'fornecedor', 'impressora', 'servidor', 'parceiro', 'alojamento'],
  },
  // Conversa ao vivo com um atendente (src/handoff, dialogs/handoff-dialog.ts).
  liveChatOffer: (team: string) => `Alguém da nossa ${team} pode conversar com você ao vivo agora. Você gostaria?`,
  liveChatYes: 'Conversar com uma pessoa agora',
  liveChatTicketInstead: 'Abrir um chamado',
  liveChatCallbackInstead: 'Agendar uma ligação',
  liveChatYesWords: ['sim', 's', 'claro', 'ok', 'pode ser', 'quero', 'sim por favor', 'por favor', 'chat', 'conversar', 'uma pessoa'],
  liveChatNoWords: ['não', 'nao', 'n', 'não obrigado', 'nao obrigado', 'não obrigada', 'chamado', 'um chamado', 'ticket', 'ligação', 'me liguem', 'depois'],
  liveChatOutsideHours: (team: string, hours: string, timeZone: string) =>
    `Nossa ${team} atende ao vivo no horário comercial (${hours}, ${timeZone}), e estamos fora dele agora — então vamos para a melhor alternativa.`,
  liveChatNobodyFree: (team: string) => `Ninguém da nossa ${team} está livre para conversar ao vivo agora — então vamos para a melhor alternativa.`,
  liveChatQueued: (position: number, team: string, waitMinutes: number | undefined) =>
    `Você é o número ${position} na fila da nossa ${team}.` +
    (waitMinutes === undefined ? '' : ` Espera estimada: cerca de ${waitMinutes} minuto${waitMinutes === 1 ? '' : 's'}.`) +
    ' Digite "cancelar" a qualquer momento para sair da fila e registrar sua pergunta como chamado.',
  liveChatPosition: (position: number, waitMinutes: number | undefined) =>
    `Agora você é o número ${position} na fila.` +
    (waitMinutes === undefined ? '' : ` Espera estimada: cerca de ${waitMinutes} minuto${waitMinutes === 1 ? '' : 's'}.`),
  liveChatJoined: (agent: string, team: string) => `${agent}, da nossa ${team}, entrou na conversa.`,
  liveChatTransferred: (team: string) => `Estou transferindo você para a nossa ${team}. Por favor, continue na conversa.`,
  liveChatLeftQueue: (next: 'ticket' | 'callback') =>
    next === 'ticket'
      ? 'Certo, você saiu da fila. Vamos registrar sua pergunta como um chamado, para que nossa equipe dê retorno.'
      : 'Certo, você saiu da fila. Vamos agendar uma ligação dos nossos técnicos.',
  liveChatTimedOut: (minutes: number, next: 'ticket' | 'callback') =>
    `Desculpe — ninguém ficou livre em ${minutes} minutos. ` +
    (next === 'ticket'
      ? 'Envie qualquer mensagem e eu registro sua pergunta como um chamado, para que nossa equipe dê retorno (ou diga "cancelar" se não precisar mais).'
      : 'Envie qualquer mensagem e eu agendo uma ligação dos nossos técnicos (ou diga "cancelar" se não precisar mais).'),
  liveChatClosing: 'Obrigado por conversar com a gente! Vou devolver você ao assistente.',
  satisfactionQuestion: 'Quanto você ficou satisfeito com o atendimento? Responda com um número de 1 (nada) a 5 (muito).',
  satisfactionThanks: 'Obrigado pela avaliação! Pergunte o que quiser quando precisar.',
  // Agent workspace (src/workspace): stand-ins when a playbook variable has no value, and the answer card.
  playbookFallbacks: { 'customer.name': 'cliente', 'ticket.reference': 'o seu chamado', 'agent.name': 'a nossa equipe', 'sla.due': 'o mais breve possível' },
  answerCardFooter: 'Enviado pela nossa equipe de suporte a partir da base de conhecimento.',
  liveChatLeaveWords: ['cancelar', 'sair da fila', 'parar de esperar', 'deixa pra la', 'deixa pra lá', 'cancel'],
  vendorConsentQuestion: (vendor: string, reference: string) =>
    `Para resolver o ${reference} gostaríamos da ajuda da ${vendor}. Podemos compartilhar a sua solicitação e os seus dados de contato com a ${vendor}? Responda "sim" ou "não".`,
  vendorConsentAgain: (vendor: string) => `Responda "sim" ou "não", por favor: podemos compartilhar a sua solicitação e os seus dados de contato com a ${vendor}?`,
  vendorConsentGiven: (vendor: string) => `Obrigado. Vamos encaminhar a sua solicitação à ${vendor} e avisaremos aqui assim que responderem.`,
  vendorConsentRefused: (vendor: string) => `Entendido: nada será compartilhado com a ${vendor}. A nossa equipe continua trabalhando na sua solicitação.`,
  vendorReply: (vendor: string, reference: string, text: string) => `Atualização da ${vendor} sobre o ${reference}: ${text}`,
  vendorConsentYesWords: ['sim', 's', 'pode', 'pode sim', 'claro', 'ok', 'tudo bem', 'concordo', 'sim pode', 'yes'],
  vendorConsentNoWords: ['não', 'nao', 'n', 'não pode', 'nao pode', 'não concordo', 'nao concordo', 'prefiro que não', 'no'],
};
