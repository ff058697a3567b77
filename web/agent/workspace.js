// The agent workspace in the console's side panel (issue 16): the playbook picker (opened with / in
// an empty reply, searchable, keyboard only works), article suggestions with scores and one-click
// "send as answer card". Rendered as text only, like the rest of the console.

import { workspaceText } from './workspace-strings.js';

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const normalise = (text) => text.toLocaleLowerCase().normalize('NFD').replace(/\p{Diacritic}/gu, '');

export class Workspace {
  /**
   * @param {{ api: import('./api.js').AgentApi, language: () => string, openHandoff: () => any, isMine: (h: any) => boolean,
   *   toast: (message: string, kind?: string) => void, explain: (error: unknown) => string, onMessage: (message: any) => void,
   *   composer: HTMLTextAreaElement }} hooks
   */
  constructor(hooks) {
    this.hooks = hooks;
    /** Playbooks of the open conversation (filled by the server), and which one the picker highlights. */
    this.playbooks = [];
    this.playbooksFor = null;
    this.filtered = [];
    this.active = 0;
    this.suggestionsFor = null;
    this.suggestions = [];
    this.build();
  }

  t(key, params) {
    return workspaceText(this.hooks.language(), key, params);
  }

  build() {
    const panel = document.getElementById('side-panel');
    this.playbookButton = el('button', { type: 'button', id: 'playbook-open', className: 'workspace-button' });
    this.playbookHint = el('p', { className: 'workspace-hint' });
    this.suggestionList = el('ol', { id: 'suggestions', className: 'suggestions' });
    this.suggestionEmpty = el('p', { id: 'suggestions-empty', className: 'empty', hidden: true });
    this.refreshButton = el('button', { type: 'button', id: 'suggestions-refresh', className: 'link-button' });
    this.playbookHeading = el('h2', { id: 'playbooks-heading' });
    this.suggestionHeading = el('h2', { id: 'suggestions-heading' });
    this.section = el(
      'section',
      { id: 'workspace-tools', className: 'workspace-tools', 'aria-labelledby': 'playbooks-heading' },
      this.playbookHeading,
      this.playbookButton,
      this.playbookHint,
      el('div', { className: 'workspace-heading-row' }, this.suggestionHeading, this.refreshButton),
      this.suggestionList,
      this.suggestionEmpty,
    );
    panel.prepend(this.section);

    this.search = el('input', { id: 'playbook-search', type: 'search', role: 'combobox', 'aria-controls': 'playbook-list', 'aria-expanded': 'true', 'aria-autocomplete': 'list', autocomplete: 'off' });
    this.list = el('ul', { id: 'playbook-list', role: 'listbox', className: 'playbook-list' });
    this.pickerEmpty = el('p', { className: 'empty', hidden: true });
    this.pickerTitle = el('h2', { id: 'playbook-picker-title' });
    this.pickerHelp = el('p', { className: 'workspace-hint' });
    this.searchLabel = el('label', { for: 'playbook-search', className: 'visually-hidden' });
    this.picker = el('dialog', { id: 'playbook-picker', className: 'playbook-picker', 'aria-labelledby': 'playbook-picker-title' }, this.pickerTitle, this.searchLabel, this.search, this.list, this.pickerEmpty, this.pickerHelp);
    document.body.append(this.picker);
    this.applyStrings();
  }

  applyStrings() {
    this.playbookHeading.textContent = this.t('playbooks');
    this.playbookButton.textContent = `/ ${this.t('openPlaybooks')}`;
    this.playbookHint.textContent = this.t('playbookHint');
    this.suggestionHeading.textContent = this.t('suggestions');
    this.refreshButton.textContent = this.t('refresh');
    this.suggestionEmpty.textContent = this.t('suggestionsEmpty');
    this.pickerTitle.textContent = this.t('pickerTitle');
    this.searchLabel.textContent = this.t('pickerSearch');
    this.search.placeholder = this.t('pickerSearch');
    this.pickerEmpty.textContent = this.t('pickerEmpty');
    this.pickerHelp.textContent = this.t('pickerHelp');
  }

  wire() {
    const composer = this.hooks.composer;
    composer.addEventListener('keydown', (event) => {
      // "/" at the start of an empty reply opens the picker; anywhere else it is just a slash.
      if (event.key === '/' && composer.value.trim() === '' && !event.ctrlKey && !event.metaKey && !event.altKey && this.hooks.isMine(this.hooks.openHandoff())) {
        event.preventDefault();
        event.stopPropagation();
        this.openPicker();
      }
    });
    this.playbookButton.addEventListener('click', () => this.openPicker());
    this.refreshButton.addEventListener('click', () => this.loadSuggestions(true));
    this.search.addEventListener('input', () => {
      this.active = 0;
      this.renderPicker();
    });
    this.search.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        if (this.filtered.length > 0) this.active = (this.active + step + this.filtered.length) % this.filtered.length;
        this.renderPicker();
      } else if (event.key === 'Enter') {
        event.preventDefault();
        const chosen = this.filtered[this.active];
        if (chosen) this.insert(chosen);
      }
    });
    this.picker.addEventListener('close', () => composer.focus());
  }

  /** Called whenever the console redraws the side panel for a conversation. */
  render(handoff) {
    this.applyStrings();
    const mine = this.hooks.isMine(handoff);
    this.playbookButton.disabled = !mine;
    if (this.suggestionsFor !== handoff.id) {
      this.suggestionsFor = handoff.id;
      this.suggestions = [];
      this.loadSuggestions(false);
    } else this.renderSuggestions();
  }

  async loadPlaybooks() {
    const handoff = this.hooks.openHandoff();
    if (!handoff) return;
    const data = await this.hooks.api.call('GET', `/handoffs/${encodeURIComponent(handoff.id)}/playbooks`);
    this.playbooks = data.playbooks;
    this.playbooksFor = handoff.id;
  }

  async openPicker() {
    const handoff = this.hooks.openHandoff();
    if (!this.hooks.isMine(handoff)) return;
    try {
      // Always fresh: an admin may have edited a playbook, and `{sla.due}` changes with the ticket.
      await this.loadPlaybooks();
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
      return;
    }
    this.search.value = '';
    this.active = 0;
    this.renderPicker();
    this.picker.showModal();
    this.search.focus();
  }

  renderPicker() {
    const words = normalise(this.search.value).split(/\s+/).filter(Boolean);
    this.filtered = this.playbooks.filter((p) => {
      const haystack = normalise([p.title, p.id, ...p.keywords, p.text].join(' '));
      return words.every((w) => haystack.includes(w));
    });
    if (this.active >= this.filtered.length) this.active = 0;
    this.list.replaceChildren(
      ...this.filtered.map((p, index) => {
        const option = el(
          'li',
          { id: `playbook-option-${p.id}`, role: 'option', className: 'playbook-option', 'aria-selected': index === this.active ? 'true' : 'false', dataset: { playbookId: p.id } },
          el('span', { className: `tier-badge tier-${p.tier}` }, p.tier === 'all' ? this.t('tierAll') : p.tier),
          el('span', { className: 'playbook-title' }, p.title, p.kind === 'steps' ? el('span', { className: 'playbook-kind' }, ` · ${this.t('steps')}`) : null),
          el('span', { className: 'playbook-preview' }, p.text),
        );
        option.addEventListener('mousedown', (event) => event.preventDefault());
        option.addEventListener('click', () => this.insert(p));
        return option;
      }),
    );
    this.pickerEmpty.hidden = this.filtered.length > 0;
    const current = this.filtered[this.active];
    if (current) {
      this.search.setAttribute('aria-activedescendant', `playbook-option-${current.id}`);
      document.getElementById(`playbook-option-${current.id}`)?.scrollIntoView({ block: 'nearest' });
    } else this.search.removeAttribute('aria-activedescendant');
  }

  /** Puts the filled text into the reply for the agent to edit before sending. */
  insert(playbook) {
    const composer = this.hooks.composer;
    const start = composer.selectionStart ?? composer.value.length;
    const end = composer.selectionEnd ?? start;
    composer.value = `${composer.value.slice(0, start)}${playbook.text}${composer.value.slice(end)}`;
    this.picker.close();
    composer.focus();
    const caret = start + playbook.text.length;
    composer.setSelectionRange(caret, caret);
    composer.dispatchEvent(new Event('input', { bubbles: true }));
    this.hooks.toast(this.t('inserted'));
  }

  /** A new customer line in the open chat: search again, at most every few seconds. */
  customerWrote(handoffId) {
    if (this.hooks.openHandoff()?.id !== handoffId) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.loadSuggestions(false), 1500);
  }

  async loadSuggestions(force) {
    const handoff = this.hooks.openHandoff();
    if (!handoff) return;
    try {
      const data = await this.hooks.api.call('GET', `/handoffs/${encodeURIComponent(handoff.id)}/suggestions`);
      if (this.hooks.openHandoff()?.id !== handoff.id) return;
      this.suggestions = data.suggestions;
    } catch (error) {
      if (force) this.hooks.toast(this.hooks.explain(error), 'error');
      this.suggestions = [];
    }
    this.renderSuggestions();
  }

  renderSuggestions() {
    const handoff = this.hooks.openHandoff();
    const mine = this.hooks.isMine(handoff);
    this.suggestionList.replaceChildren(
      ...this.suggestions.map((s) => {
        const fill = el('span');
        fill.style.width = `${Math.round(Math.max(0, Math.min(1, s.score)) * 100)}%`;
        const send = el('button', { type: 'button', className: 'send-card', dataset: { articleId: s.articleId }, disabled: !mine }, this.t('sendCard'));
        send.addEventListener('click', () => this.sendCard(s, send));
        return el(
          'li',
          { className: 'suggestion', dataset: { articleId: s.articleId } },
          el('div', { className: 'suggestion-head' }, el('span', { className: 'suggestion-title' }, s.title), el('span', { className: 'score-value', title: this.t('score', { score: s.score.toFixed(2) }) }, s.score.toFixed(2))),
          el('span', { className: 'score-bar', 'aria-hidden': 'true' }, fill),
          el('p', { className: 'suggestion-excerpt' }, s.excerpt),
          send,
        );
      }),
    );
    this.suggestionEmpty.hidden = this.suggestions.length > 0;
  }

  async sendCard(suggestion, button) {
    const handoff = this.hooks.openHandoff();
    if (!this.hooks.isMine(handoff)) return;
    button.disabled = true;
    try {
      const { message } = await this.hooks.api.call('POST', `/handoffs/${encodeURIComponent(handoff.id)}/answer-card`, { articleId: suggestion.articleId });
      this.hooks.onMessage(message);
      this.hooks.toast(this.t('cardSent'));
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------ admins: drafts and supervisor view

  /** Called when the signed-in agent is known or changes: admins get the Drafts and Supervisor buttons. */
  renderAgent(agent) {
    if (!this.adminButtons) this.buildAdmin();
    for (const button of this.adminButtons) button.hidden = !agent?.admin;
    this.draftsButton.textContent = this.t('drafts');
    this.supervisorButton.textContent = this.t('supervisor');
  }

  buildAdmin() {
    this.draftsButton = el('button', { type: 'button', id: 'drafts-open', className: 'icon-button', hidden: true });
    this.supervisorButton = el('button', { type: 'button', id: 'supervisor-open', className: 'icon-button', hidden: true });
    this.adminButtons = [this.draftsButton, this.supervisorButton];
    const controls = document.querySelector('.topbar-controls');
    controls?.prepend(this.draftsButton, this.supervisorButton);
    this.draftsButton.addEventListener('click', () => this.openDrafts());
    this.supervisorButton.addEventListener('click', () => this.openSupervisor());

    this.draftsDialog = el('dialog', { id: 'drafts-dialog', className: 'workspace-dialog', 'aria-labelledby': 'drafts-title' });
    this.supervisorDialog = el('dialog', { id: 'supervisor-dialog', className: 'workspace-dialog', 'aria-labelledby': 'supervisor-title' });
    document.body.append(this.draftsDialog, this.supervisorDialog);
  }

  closeButton(dialog) {
    const button = el('button', { type: 'button', className: 'dialog-cancel' }, this.t('close'));
    button.addEventListener('click', () => dialog.close());
    return button;
  }

  async openDrafts(selectedId) {
    let drafts;
    try {
      ({ drafts } = await this.hooks.api.call('GET', '/drafts?state=open'));
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
      return;
    }
    const selected = drafts.find((d) => d.id === selectedId) ?? drafts[0];
    const list = el(
      'ul',
      { className: 'draft-list', 'aria-label': this.t('draftsTitle') },
      ...drafts.map((d) => {
        const button = el('button', { type: 'button', className: 'draft-item', 'aria-current': d.id === selected?.id ? 'true' : undefined }, el('strong', {}, d.title), el('span', { className: 'workspace-hint' }, this.t('draftFrom', { ticket: d.ticketReference, language: d.language.toUpperCase() })));
        button.addEventListener('click', () => this.openDrafts(d.id));
        return el('li', {}, button);
      }),
    );
    const children = [el('h2', { id: 'drafts-title' }, this.t('draftsTitle'))];
    if (selected === undefined) children.push(el('p', { className: 'empty' }, this.t('draftsEmpty')));
    else children.push(el('div', { className: 'drafts-layout' }, list, this.draftForm(selected)));
    children.push(el('div', { className: 'dialog-buttons' }, this.closeButton(this.draftsDialog)));
    this.draftsDialog.replaceChildren(...children);
    if (!this.draftsDialog.open) this.draftsDialog.showModal();
  }

  draftForm(draft) {
    const field = (id, label, control) => el('div', { className: 'draft-field' }, el('label', { for: id }, label), control);
    const articleId = el('input', { id: 'draft-article-id', value: draft.articleId, spellcheck: 'false' });
    const title = el('input', { id: 'draft-title', value: draft.title });
    const questions = el('textarea', { id: 'draft-questions', rows: '4' });
    questions.value = draft.questions.join('\n');
    const body = el('textarea', { id: 'draft-body', rows: '8' });
    body.value = draft.body;
    const mergeTarget = el('input', { id: 'draft-merge-target', spellcheck: 'false', placeholder: 'change-password' });
    const error = el('p', { className: 'form-error', role: 'alert' });
    const changes = () => ({ articleId: articleId.value.trim(), title: title.value.trim(), questions: questions.value.split('\n').map((q) => q.trim()).filter(Boolean), body: body.value.trim() });
    const run = async (work, done) => {
      error.textContent = '';
      try {
        await work();
        this.hooks.toast(this.t(done));
        await this.openDrafts(done === 'saved' ? draft.id : undefined);
      } catch (failure) {
        error.textContent = failure?.message && failure.code !== 'network' ? failure.message : this.hooks.explain(failure);
      }
    };
    const save = () => this.hooks.api.call('PUT', `/drafts/${encodeURIComponent(draft.id)}`, changes());
    const button = (label, className, onClick) => {
      const b = el('button', { type: 'button', className }, this.t(label));
      b.addEventListener('click', onClick);
      return b;
    };
    return el(
      'form',
      { className: 'draft-form', id: 'draft-form', dataset: { draftId: draft.id } },
      el('p', { className: 'workspace-hint' }, this.t('draftFrom', { ticket: draft.ticketReference, language: draft.language.toUpperCase() })),
      field('draft-article-id', this.t('draftArticleId'), articleId),
      field('draft-title', this.t('draftTitle'), title),
      field('draft-questions', this.t('draftQuestions'), questions),
      field('draft-body', this.t('draftBody'), body),
      error,
      el(
        'div',
        { className: 'dialog-buttons' },
        button('discard', '', () => run(() => this.hooks.api.call('POST', `/drafts/${encodeURIComponent(draft.id)}/discard`), 'discarded')),
        button('save', '', () => run(save, 'saved')),
        button('publish', 'primary', () => run(async () => { await save(); await this.hooks.api.call('POST', `/drafts/${encodeURIComponent(draft.id)}/publish`); }, 'publishedDraft')),
      ),
      el(
        'div',
        { className: 'draft-merge' },
        field('draft-merge-target', this.t('mergeInto'), mergeTarget),
        button('merge', '', () => run(async () => { await save(); await this.hooks.api.call('POST', `/drafts/${encodeURIComponent(draft.id)}/merge`, { articleId: mergeTarget.value.trim() }); }, 'mergedDraft')),
      ),
    );
  }

  async openSupervisor() {
    let stats;
    try {
      stats = await this.hooks.api.call('GET', '/supervisor');
    } catch (error) {
      this.hooks.toast(this.hooks.explain(error), 'error');
      return;
    }
    const minutes = (seconds) => (seconds > 0 ? `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}` : this.t('none'));
    const table = (id, headers, rows) =>
      el('table', { className: 'supervisor-table', id }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, this.t(h))))), el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))));
    const dueTime = (iso) => new Date(iso).toLocaleString(this.hooks.language(), { dateStyle: 'short', timeStyle: 'short' });
    const figure = (label, value) => el('div', { className: 'supervisor-figure' }, el('span', { className: 'figure-value' }, String(value ?? this.t('none'))), el('span', { className: 'figure-label' }, this.t(label)));
    this.supervisorDialog.replaceChildren(
      el('h2', { id: 'supervisor-title' }, this.t('supervisorTitle')),
      el('div', { className: 'supervisor-figures' }, figure('resolvedToday', stats.today.resolved), figure('satisfactionToday', stats.today.averageSatisfaction), figure('worthArticleToday', stats.today.worthArticle), figure('openDrafts', stats.openDrafts)),
      table('supervisor-tiers', ['tier', 'waiting', 'longestWait', 'inChats', 'agentsOnline', 'freeSlots'], stats.tiers.map((r) => [el('span', { className: `tier-badge tier-${r.tier}` }, r.tier), String(r.queued), minutes(r.longestWaitSeconds), String(r.active), String(r.agentsOnline), String(r.freeSlots)])),
      table('supervisor-agents', ['agent', 'tier', 'status', 'load'], stats.agents.map((a) => [a.name, a.tiers.join(' '), this.t(a.status), `${a.activeChats}/${a.capacity}`])),
      el('h3', { id: 'supervisor-sla-title' }, this.t('slaAtRiskTitle', { minutes: stats.warningMinutes })),
      stats.slaAtRisk.length === 0
        ? el('p', { className: 'empty' }, this.t('slaAtRiskEmpty', { minutes: stats.warningMinutes }))
        : table('supervisor-sla', ['ticket', 'tier', 'subject', 'due', 'timeLeft'], stats.slaAtRisk.map((r) => [r.reference, el('span', { className: `tier-badge tier-${r.tier}` }, r.tier), r.subject, dueTime(r.dueAt), el('span', { className: r.minutesLeft < 0 ? 'sla-overdue' : 'sla-soon' }, r.minutesLeft < 0 ? this.t('overdueBy', { minutes: -r.minutesLeft }) : this.t('minutesLeft', { minutes: r.minutesLeft }))])),
      el('h3', { id: 'supervisor-sent-title' }, this.t('mostSentTitle')),
      stats.mostSentArticles.length === 0
        ? el('p', { className: 'empty' }, this.t('mostSentEmpty'))
        : table('supervisor-sent', ['article', 'timesSent'], stats.mostSentArticles.map((a) => [el('span', {}, el('strong', {}, a.title), ' ', el('code', {}, a.articleId)), String(a.count)])),
      el('div', { className: 'dialog-buttons' }, this.closeButton(this.supervisorDialog)),
    );
    if (!this.supervisorDialog.open) this.supervisorDialog.showModal();
  }
}
