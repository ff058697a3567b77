// The vendor step of L4 in the console's side panel (README "Vendor step"): pass the chat's ticket to
// a vendor (the customer is asked first), see "waiting on vendor" with its clock, and relay the
// vendor's reply to the customer. Shown for L4 chats the agent holds. Text only, like the console.

const STRINGS = {
  en: {
    heading: 'Vendor (L4)',
    vendor: 'Vendor',
    pass: 'Ask the customer, then pass to vendor',
    none: 'Not passed to a vendor.',
    consent_pending: 'Asked the customer whether we may share their request with {vendor}; waiting for their yes or no.',
    declined: 'The customer declined sharing with {vendor}: the ticket stays with us.',
    waiting: 'Waiting on {vendor} since {since}; expected by {expected}.',
    replied: '{vendor} replied; the ticket is back with us.',
    reply: "Vendor's reply",
    final: 'Final reply (ends the wait)',
    relay: 'Relay to the customer',
    requested: 'The customer is being asked for consent.',
    relayed: "The vendor's reply was sent to the customer.",
  },
  pt: {
    heading: 'Fornecedor (L4)',
    vendor: 'Fornecedor',
    pass: 'Perguntar ao cliente e depois passar ao fornecedor',
    none: 'Não foi passado a um fornecedor.',
    consent_pending: 'Perguntamos ao cliente se podemos compartilhar a solicitação com {vendor}; aguardando o sim ou não.',
    declined: 'O cliente recusou o compartilhamento com {vendor}: o chamado fica conosco.',
    waiting: 'Aguardando {vendor} desde {since}; previsto até {expected}.',
    replied: '{vendor} respondeu; o chamado voltou para nós.',
    reply: 'Resposta do fornecedor',
    final: 'Resposta final (termina a espera)',
    relay: 'Enviar ao cliente',
    requested: 'Estamos pedindo o consentimento do cliente.',
    relayed: 'A resposta do fornecedor foi enviada ao cliente.',
  },
  pl: {
    heading: 'Dostawca (L4)',
    vendor: 'Dostawca',
    pass: 'Zapytaj klienta, potem przekaż dostawcy',
    none: 'Nie przekazano dostawcy.',
    consent_pending: 'Zapytano klienta, czy możemy przekazać zgłoszenie firmie {vendor}; czekamy na tak lub nie.',
    declined: 'Klient nie zgodził się na przekazanie firmie {vendor}: zgłoszenie zostaje u nas.',
    waiting: 'Czekamy na {vendor} od {since}; spodziewana odpowiedź do {expected}.',
    replied: '{vendor} odpowiedział; zgłoszenie wróciło do nas.',
    reply: 'Odpowiedź dostawcy',
    final: 'Odpowiedź końcowa (kończy czekanie)',
    relay: 'Przekaż klientowi',
    requested: 'Pytamy klienta o zgodę.',
    relayed: 'Odpowiedź dostawcy wysłano klientowi.',
  },
};

export const VENDOR_STRINGS = STRINGS;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export class VendorPanel {
  /**
   * @param {{ api: import('./api.js').AgentApi, language: () => string, isMine: (h: any) => boolean,
   *   toast: (message: string, kind?: string) => void, explain: (error: unknown) => string }} hooks
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.vendors = null;
    this.handoff = null;
    this.step = null;
    this.status = el('p', { id: 'vendor-status', className: 'workspace-hint', 'aria-live': 'polite' });
    this.select = el('select', { id: 'vendor-select' });
    this.selectLabel = el('label', { for: 'vendor-select' });
    this.passButton = el('button', { type: 'button', id: 'vendor-pass', className: 'workspace-button' });
    this.replyLabel = el('label', { for: 'vendor-reply' });
    this.reply = el('textarea', { id: 'vendor-reply', rows: '3' });
    this.finalBox = el('input', { type: 'checkbox', id: 'vendor-final', checked: true });
    this.finalLabel = el('label', { for: 'vendor-final' });
    this.relayButton = el('button', { type: 'button', id: 'vendor-relay', className: 'workspace-button' });
    this.heading = el('h2', { id: 'vendor-heading' });
    this.passForm = el('div', { className: 'vendor-pass' }, this.selectLabel, this.select, this.passButton);
    this.replyForm = el('div', { className: 'vendor-reply' }, this.replyLabel, this.reply, el('div', {}, this.finalBox, ' ', this.finalLabel), this.relayButton);
    this.section = el('section', { id: 'vendor-step', className: 'workspace-tools', 'aria-labelledby': 'vendor-heading', hidden: true }, this.heading, this.status, this.passForm, this.replyForm);
    document.getElementById('side-panel').append(this.section);
    this.passButton.addEventListener('click', () => this.pass());
    this.relayButton.addEventListener('click', () => this.relay());
  }

  t(key, params = {}) {
    const template = STRINGS[this.hooks.language()]?.[key] ?? STRINGS.en[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
  }

  /** Called whenever the console redraws the side panel for a conversation. */
  async render(handoff) {
    const shown = handoff.tier === 'L4' && this.hooks.isMine(handoff);
    this.section.hidden = !shown;
    if (!shown) return;
    const fresh = this.handoff?.id !== handoff.id;
    this.handoff = handoff;
    try {
      if (this.vendors === null) this.vendors = (await this.hooks.api.call('GET', '/vendors')).vendors;
      if (fresh || this.step?.state === 'consent_pending') await this.load();
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
    }
    this.draw();
  }

  /** A customer line in the open chat: while their consent is pending it may be the answer, so look again. */
  async customerWrote(handoffId) {
    if (this.section.hidden || this.handoff?.id !== handoffId || this.step?.state !== 'consent_pending') return;
    try {
      await this.load();
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
    }
    this.draw();
  }

  async load() {
    const reference = encodeURIComponent(this.handoff.ticketReference);
    this.step = (await this.hooks.api.call('GET', `/tickets/${reference}/vendor`)).vendor;
  }

  draw() {
    this.heading.textContent = this.t('heading');
    this.selectLabel.textContent = `${this.t('vendor')} `;
    this.passButton.textContent = this.t('pass');
    this.replyLabel.textContent = this.t('reply');
    this.finalLabel.textContent = this.t('final');
    this.relayButton.textContent = this.t('relay');
    const chosen = this.select.value;
    this.select.replaceChildren(...(this.vendors ?? []).map((v) => el('option', { value: v.id, text: v.name })));
    if (chosen) this.select.value = chosen;
    const step = this.step;
    const time = (iso) => (iso ? new Date(iso).toLocaleString(this.hooks.language(), { dateStyle: 'medium', timeStyle: 'short' }) : '');
    this.status.textContent = step ? this.t(step.state, { vendor: step.vendor.name, since: time(step.since), expected: time(step.expectedBy) }) : this.t('none');
    const open = step?.state === 'consent_pending' || step?.state === 'waiting';
    this.passForm.hidden = open || (this.vendors ?? []).length === 0;
    this.replyForm.hidden = step?.state !== 'waiting';
  }

  async pass() {
    try {
      const result = await this.hooks.api.call('POST', `/tickets/${encodeURIComponent(this.handoff.ticketReference)}/vendor`, { vendorId: this.select.value });
      this.step = result.vendor;
      this.hooks.toast(this.t('requested'));
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
    }
    this.draw();
  }

  async relay() {
    const text = this.reply.value.trim();
    if (text === '') return;
    try {
      const result = await this.hooks.api.call('POST', `/tickets/${encodeURIComponent(this.handoff.ticketReference)}/vendor-reply`, { text, final: this.finalBox.checked });
      this.step = result.vendor;
      this.reply.value = '';
      this.hooks.toast(this.t('relayed'));
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
    }
    this.draw();
  }
}
