// Sentences of the agent workspace (playbooks, suggestions, drafts, supervisor view), per console
// language. Kept apart from strings.js so the workspace can grow without touching the console's texts.

const en = {
  playbooks: 'Playbooks',
  playbookHint: 'Type / in an empty reply to pick one.',
  openPlaybooks: 'Insert a playbook',
  pickerTitle: 'Insert a playbook',
  pickerSearch: 'Search playbooks',
  pickerEmpty: 'No playbook matches.',
  pickerHelp: '↑ ↓ to choose, Enter to insert, Esc to close.',
  tierAll: 'All tiers',
  steps: 'steps',
  suggestions: 'Suggested articles',
  suggestionsEmpty: 'No article matches this conversation.',
  refresh: 'Refresh',
  sendCard: 'Send as answer card',
  cardSent: 'Article sent to the customer.',
  score: 'score {score}',
  inserted: 'Playbook inserted: check it, then send.',
};

const pt = {
  playbooks: 'Playbooks',
  playbookHint: 'Digite / numa resposta vazia para escolher um.',
  openPlaybooks: 'Inserir um playbook',
  pickerTitle: 'Inserir um playbook',
  pickerSearch: 'Pesquisar playbooks',
  pickerEmpty: 'Nenhum playbook corresponde.',
  pickerHelp: '↑ ↓ para escolher, Enter para inserir, Esc para fechar.',
  tierAll: 'Todos os níveis',
  steps: 'passos',
  suggestions: 'Artigos sugeridos',
  suggestionsEmpty: 'Nenhum artigo corresponde a esta conversa.',
  refresh: 'Atualizar',
  sendCard: 'Enviar como cartão de resposta',
  cardSent: 'Artigo enviado ao cliente.',
  score: 'pontuação {score}',
  inserted: 'Playbook inserido: revise e envie.',
};

const pl = {
  playbooks: 'Playbooki',
  playbookHint: 'Wpisz / w pustej odpowiedzi, aby wybrać.',
  openPlaybooks: 'Wstaw playbook',
  pickerTitle: 'Wstaw playbook',
  pickerSearch: 'Szukaj playbooków',
  pickerEmpty: 'Żaden playbook nie pasuje.',
  pickerHelp: '↑ ↓ wybór, Enter wstawia, Esc zamyka.',
  tierAll: 'Wszystkie poziomy',
  steps: 'kroki',
  suggestions: 'Proponowane artykuły',
  suggestionsEmpty: 'Żaden artykuł nie pasuje do tej rozmowy.',
  refresh: 'Odśwież',
  sendCard: 'Wyślij jako kartę odpowiedzi',
  cardSent: 'Artykuł wysłany do klienta.',
  score: 'wynik {score}',
  inserted: 'Playbook wstawiony: sprawdź i wyślij.',
};

export const WORKSPACE_STRINGS = { en, pt, pl };

/** A workspace sentence in the console language (English when missing), `{name}` filled in. */
export function workspaceText(language, key, params = {}) {
  const template = WORKSPACE_STRINGS[language]?.[key] ?? en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}
