// The agent console: sign-in, the inbox (waiting conversations of the agent's tiers and their own
// chats), live chat with notes, transfer and resolve. Plain ES modules, no framework: the bot serves
// these files itself. Everything the server sends is rendered as text (never as HTML).

import { AgentApi, ApiError, EventStream } from './api.js';
import { Chime } from './sound.js';
import { LANGUAGES, LANGUAGE_NAMES, pickLanguage, translate } from './strings.js';
import { Workspace } from './workspace.js';
import { VendorPanel } from './vendor-step.js';

const TIERS = ['L1', 'L2', 'L3', 'L4'];
const LANGUAGE_KEY = 'tierdesk.agent.language';
/** The customer sees "typing…" from us at most this often (the indicator lasts a few seconds). */
const TYPING_EVERY_MS = 2500;
const CUSTOMER_TYPING_SHOWN_MS = 4000;

const api = new AgentApi();
const chime = new Chime();
const $ = (id) => document.getElementById(id);

const state = {
  /** @type {null | {id:string,name:string,email:string,tiers:string[],capacity:number,status:string,admin:boolean,language:string,activeChats:number}} */
  agent: null,
  language: pickLanguage([localStorage.getItem(LANGUAGE_KEY) ?? '', ...navigator.languages]),
  /** Waiting conversations of our tiers, oldest first, and our own active chats. */
  queued: [],
  active: [],
  /** Browser clock when each handoff's `waitSeconds` was received (waits tick without trusting clocks to agree). */
  receivedAt: new Map(),
  /** Queued ids already announced (a chime and a badge only for new ones). */
  announced: new Set(),
  /** Customer messages not yet seen, per chat. */
  unread: new Map(),
  /** The conversation in the middle column. */
  openId: null,
  openHandoff: null,
  messages: [],
  composerMode: 'reply',
  /** The agent chose a language on the sign-in form (saved on their account once signed in). */
  languagePickedAtSignIn: false,
  /** The conversation we are accepting: its leaving the queue is our doing, not someone else's. */
  accepting: null,
  lastTypingSentAt: 0,
  customerTypingTimer: 0,
  connection: 'connecting',
};

const t = (key, params) => translate(state.language, key, params);

// ---------------------------------------------------------------- texts

function applyStrings() {
  document.documentElement.lang = state.language;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of document.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const select of document.querySelectorAll('.language-select')) {
    select.replaceChildren(
      ...LANGUAGES.map((code) => {
        const option = new Option(LANGUAGE_NAMES[code], code, false, code === state.language);
        option.lang = code;
        return option;
      }),
    );
  }
  renderSound();
  renderConnection();
  updateComposerMode();
  updateTitle();
  if (state.agent !== null) {
    renderInbox();
    renderChat();
  }
}

function setLanguage(language) {
  state.language = LANGUAGES.includes(language) ? language : 'en';
  localStorage.setItem(LANGUAGE_KEY, state.language);
  applyStrings();
}

// ---------------------------------------------------------------- helpers

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(state.language, { hour: '2-digit', minute: '2-digit' }).format(date);
}

function waitedSeconds(handoff) {
  const received = state.receivedAt.get(handoff.id) ?? Date.now();
  return (handoff.waitSeconds ?? 0) + (Date.now() - received) / 1000;
}

function customerName(handoff) {
  return handoff.customer?.name || t('anonymousCustomer', { id: String(handoff.customer?.userId ?? '').slice(-4) });
}

function score(value) {
  return typeof value === 'number' ? value.toFixed(2) : '–';
}

function remember(handoffs) {
  const now = Date.now();
  for (const handoff of handoffs) state.receivedAt.set(handoff.id, now);
}

/** A short notice; `about` ties it to a conversation so it can go as soon as it is stale. */
function toast(message, kind = 'info', about = undefined) {
  const item = el('p', { className: `toast toast-${kind}`, dataset: about ? { about } : {} }, message);
  $('toasts').append(item);
  setTimeout(() => item.remove(), 6000);
}

/** Drops "new conversation waiting" notices of conversations no longer waiting. */
function dropStaleToasts() {
  for (const item of document.querySelectorAll('.toast[data-about]')) {
    if (!state.queued.some((h) => h.id === item.dataset.about)) item.remove();
  }
}

function explain(error) {
  if (!(error instanceof ApiError)) return t('serverError', { code: String(error?.message ?? error) });
  switch (error.code) {
    case 'network':
      return t('networkError');
    case 'taken':
      return t('takenElsewhere');
    case 'capacity_full':
      return t('capacityFull', { n: state.agent?.capacity ?? '' });
    case 'not_queued':
    case 'not_active':
      return t('notQueued');
    case 'forbidden':
      return t('forbidden');
    case 'unauthenticated':
      return t('sessionEnded');
    case 'rate_limited':
      return t('rateLimited', { seconds: error.retryAfter ?? 60 });
    default:
      return t('serverError', { code: error.code });
  }
}

/** Calls `work`; a 401 sends the agent back to sign-in, anything else becomes a toast. */
async function attempt(work) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignIn(t('sessionEnded'));
      return undefined;
    }
    toast(explain(error), 'error');
    throw error;
  }
}

// ---------------------------------------------------------------- sign-in

function showSignIn(message = '') {
  stream?.stop();
  stream = null;
  state.agent = null;
  state.queued = [];
  state.active = [];
  state.openId = null;
  state.openHandoff = null;
  state.messages = [];
  state.announced.clear();
  state.unread.clear();
  $('console-view').hidden = true;
  $('sign-in-view').hidden = false;
  $('sign-in-error').textContent = message;
  $('sign-in-password').value = '';
  updateTitle();
  $('sign-in-email').focus();
}

async function onSignIn(event) {
  event.preventDefault();
  chime.unlock();
  const email = $('sign-in-email').value.trim();
  const password = $('sign-in-password').value;
  const button = $('sign-in-button');
  const error = $('sign-in-error');
  error.textContent = '';
  if (!email || !password) {
    error.textContent = t('badCredentials');
    return;
  }
  button.disabled = true;
  button.textContent = t('signingIn');
  try {
    const agent = await api.signIn(email, password);
    $('sign-in-password').value = '';
    await enterConsole(agent);
  } catch (failure) {
    error.textContent =
      failure instanceof ApiError && failure.status === 401 ? t('badCredentials') : explain(failure);
    $('sign-in-password').focus();
  } finally {
    button.disabled = false;
    button.textContent = t('signIn');
  }
}

async function onSignOut() {
  await api.signOut().catch(() => undefined);
  showSignIn();
}

// ---------------------------------------------------------------- console

/** @type {EventStream | null} */
let stream = null;

async function enterConsole(agent) {
  state.agent = agent;
  // A language picked on the sign-in form is saved on the account; otherwise the account's wins.
  if (state.languagePickedAtSignIn && agent.language !== state.language) {
    state.languagePickedAtSignIn = false;
    const updated = await api.updateMe({ language: state.language }).catch(() => undefined);
    if (updated) state.agent = updated;
  } else if (LANGUAGES.includes(agent.language) && agent.language !== state.language) setLanguage(agent.language);
  $('sign-in-view').hidden = true;
  $('console-view').hidden = false;
  renderAgent();
  await refreshHandoffs({ announce: false });
  stream = new EventStream({
    onEvent,
    onState: (connection) => {
      state.connection = connection;
      renderConnection();
    },
    onClosedForGood: async () => {
      try {
        await api.session();
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          showSignIn(t('sessionEnded'));
          return false;
        }
        return true;
      }
    },
  });
  stream.start();
  $('inbox').focus();
}

async function refreshHandoffs({ announce }) {
  const data = await attempt(() => api.handoffs());
  if (data === undefined) return;
  setQueue(data.queued, { announce });
  state.active = data.active;
  remember(data.active);
  renderInbox();
}

function setQueue(queued, { announce }) {
  const fresh = queued.filter((handoff) => !state.announced.has(handoff.id));
  for (const handoff of queued) state.announced.add(handoff.id);
  state.queued = queued;
  remember(queued);
  if (announce && fresh.length > 0) {
    chime.play();
    const question = fresh[0].question;
    toast(t('newChatNotice', { question: question.length > 80 ? `${question.slice(0, 79)}…` : question }), 'info', fresh[0].id);
  }
  // The conversation in preview left the queue without us: someone else took it (or it ended).
  if (state.openHandoff?.state === 'queued' && state.accepting !== state.openId && !queued.some((h) => h.id === state.openId)) {
    const mine = state.active.some((h) => h.id === state.openId);
    if (!mine) explainDeparture(state.openId);
  }
}

/** Says why the previewed conversation left the queue (taken, customer left, wait ran out), then closes it. */
async function explainDeparture(id) {
  const data = await api.handoff(id).catch(() => undefined);
  if (state.openId !== id) return;
  const gone = data?.handoff;
  const notice =
    gone?.state === 'cancelled' ? t('handoffCancelled') : gone?.state === 'timed_out' ? t('handoffTimedOut') : gone?.state === 'queued' ? '' : t('takenElsewhere');
  if (notice === '') return; // transferred to another of our queues: still waiting
  toast(notice, 'warning');
  closeChat();
}

function renderAgent() {
  const agent = state.agent;
  workspace.renderAgent(agent);
  $('agent-name').textContent = `${agent.name} · ${agent.tiers.join(' ')}`;
  for (const radio of document.querySelectorAll('input[name="agent-status"]')) radio.checked = radio.value === agent.status;
  document.body.dataset.status = agent.status;
}

function renderConnection() {
  const node = $('connection');
  node.dataset.state = state.connection;
  node.textContent = t(state.connection === 'open' ? 'connected' : state.connection === 'lost' ? 'reconnecting' : 'connecting');
}

function renderSound() {
  const on = chime.enabled;
  $('sound-toggle').setAttribute('aria-pressed', String(on));
  $('sound-label').textContent = t(on ? 'soundOn' : 'soundOff');
  $('sound-toggle').setAttribute('aria-label', `${t('soundToggle')}: ${t(on ? 'soundOn' : 'soundOff')}`);
}

function updateTitle() {
  const unread = [...state.unread.values()].reduce((sum, n) => sum + n, 0);
  const count = state.agent === null ? 0 : state.queued.length + unread;
  document.title = count > 0 ? `(${count}) ${t('appTitle')}` : t('appTitle');
  $('inbox-toggle-count').textContent = count > 0 ? String(count) : '';
}

// ---------------------------------------------------------------- inbox

function conversationItem(handoff, kind) {
  const selected = handoff.id === state.openId;
  const unread = state.unread.get(handoff.id) ?? 0;
  const wait = el('span', { className: 'wait', dataset: { waitFor: handoff.id } }, kind === 'queued' ? t('waitedFor', { time: formatDuration(waitedSeconds(handoff)) }) : '');
  const classification = handoff.classification;
  const open = el(
    'button',
    {
      type: 'button',
      className: 'conversation-open',
      'aria-current': selected ? 'true' : undefined,
      onclick: () => openConversation(handoff.id),
    },
    el(
      'span',
      { className: 'conversation-top' },
      el('span', { className: `tier-badge tier-${handoff.tier}`, title: t('tierBadge', { tier: handoff.tier }) }, handoff.tier),
      el('span', { className: 'conversation-name' }, customerName(handoff)),
      unread > 0 ? el('span', { className: 'count unread', 'aria-label': `${unread}` }, unread) : null,
      kind === 'queued' ? wait : el('span', { className: 'lang' }, handoff.language?.toUpperCase()),
    ),
    el('span', { className: 'conversation-question' }, handoff.question),
    kind === 'queued' && classification
      ? el(
          'span',
          { className: 'conversation-meta' },
          `${t(`source_${classification.source}`)} ${score(classification.score)} · ${t('articlesTried')}: ${handoff.articlesTried?.length ?? 0}`,
          handoff.position ? ` · ${t('position', { n: handoff.position })}` : '',
        )
      : null,
  );
  const item = el('li', { className: `conversation${selected ? ' selected' : ''}`, dataset: { handoffId: handoff.id, kind } }, open);
  if (kind === 'queued') {
    item.append(
      el(
        'button',
        {
          type: 'button',
          className: 'accept-inline primary',
          'aria-label': `${t('accept')}: ${customerName(handoff)}, ${handoff.tier}`,
          onclick: () => acceptConversation(handoff.id),
        },
        t('accept'),
      ),
    );
  }
  return item;
}

function renderInbox() {
  const focusedId = document.activeElement?.closest?.('[data-handoff-id]')?.dataset.handoffId;
  const focusedAccept = document.activeElement?.classList?.contains('accept-inline');
  $('queued-list').replaceChildren(...state.queued.map((h) => conversationItem(h, 'queued')));
  $('active-list').replaceChildren(...state.active.map((h) => conversationItem(h, 'active')));
  $('queued-empty').hidden = state.queued.length > 0;
  $('active-empty').hidden = state.active.length > 0;
  $('queued-count').textContent = state.queued.length ? String(state.queued.length) : '';
  dropStaleToasts();
  $('active-count').textContent = state.agent ? `${state.active.length}/${state.agent.capacity}` : '';
  // Re-rendering must not steal the keyboard user's place.
  if (focusedId !== undefined) {
    const item = document.querySelector(`[data-handoff-id="${CSS.escape(focusedId)}"]`);
    item?.querySelector(focusedAccept ? '.accept-inline' : '.conversation-open')?.focus();
  }
  updateTitle();
}

function tickWaits() {
  for (const node of document.querySelectorAll('[data-wait-for]')) {
    const handoff = state.queued.find((h) => h.id === node.dataset.waitFor);
    if (handoff) node.textContent = t('waitedFor', { time: formatDuration(waitedSeconds(handoff)) });
  }
}

function allConversations() {
  return [...state.queued, ...state.active];
}

function moveSelection(step) {
  const list = allConversations();
  if (list.length === 0) return;
  const index = list.findIndex((h) => h.id === state.openId);
  const next = list[(index + step + list.length) % list.length];
  openConversation(next.id);
}

// ---------------------------------------------------------------- inbox drawer (tablet)

const narrow = window.matchMedia('(max-width: 1023px)');

function setDrawer(open) {
  document.body.classList.toggle('drawer-open', open);
  $('inbox-toggle').setAttribute('aria-expanded', String(open));
  $('inbox-backdrop').hidden = !open;
  if (open) $('inbox').focus();
}

function closeDrawerIfNarrow() {
  if (narrow.matches) setDrawer(false);
}

// ---------------------------------------------------------------- chat

function closeChat() {
  state.openId = null;
  state.openHandoff = null;
  state.messages = [];
  renderChat();
  renderInbox();
}

async function openConversation(id) {
  closeDrawerIfNarrow();
  const data = await attempt(() => api.handoff(id)).catch(() => undefined);
  if (data === undefined) return;
  state.openId = id;
  state.openHandoff = data.handoff;
  state.messages = data.messages;
  state.unread.delete(id);
  for (const item of document.querySelectorAll('.toast[data-about]')) if (item.dataset.about === id) item.remove();
  renderChat();
  renderInbox();
  if (isMine(data.handoff)) $('composer-input').focus();
  else $('accept-button').focus();
}

async function acceptConversation(id) {
  chime.unlock();
  state.accepting = id;
  closeDrawerIfNarrow();
  const button = state.openId === id ? $('accept-button') : null;
  if (button) {
    button.disabled = true;
    button.textContent = t('accepting');
  }
  try {
    const data = await api.accept(id);
    state.queued = state.queued.filter((h) => h.id !== id);
    state.active = [...state.active.filter((h) => h.id !== id), data.handoff];
    remember([data.handoff]);
    state.openId = id;
    state.openHandoff = data.handoff;
    state.messages = data.messages;
    renderInbox();
    renderChat();
    $('composer-input').focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignIn(t('sessionEnded'));
    toast(explain(error), error instanceof ApiError && error.code === 'taken' ? 'warning' : 'error');
    if (error instanceof ApiError && (error.code === 'taken' || error.code === 'not_queued')) {
      state.queued = state.queued.filter((h) => h.id !== id);
      if (state.openId === id) closeChat();
      renderInbox();
    }
  } finally {
    state.accepting = null;
    if (button) {
      button.disabled = false;
      button.textContent = t('accept');
    }
  }
}

function isMine(handoff) {
  return handoff?.state === 'active' && handoff.agent?.id === state.agent?.id;
}

function messageItem(message) {
  const from = message.from;
  const who =
    from === 'agent'
      ? message.agent?.name ?? t('from_agent')
      : from === 'note' && message.agent
        ? `${t('from_note')} · ${message.agent.name}`
        : t(`from_${from}`);
  let delivery = null;
  if (from === 'agent') {
    const key = message.pending ? 'sending' : message.delivered === false ? 'notDelivered' : 'delivered';
    delivery = el('span', { className: `delivery delivery-${key}`, title: t(key) }, message.pending ? '…' : message.delivered === false ? '✓' : '✓✓', el('span', { className: 'visually-hidden' }, ` ${t(key)}`));
  }
  return el(
    'li',
    { className: `message from-${from}`, dataset: { messageId: message.id } },
    el('div', { className: 'message-head' }, el('span', { className: 'message-who' }, who), el('time', { datetime: message.at }, formatTime(message.at)), delivery),
    el('div', { className: 'message-text' }, message.text),
  );
}

/** Redraws the transcript; follows new messages unless the agent scrolled up to read. */
function renderTranscript({ follow = false } = {}) {
  const list = $('transcript');
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren(...state.messages.map(messageItem));
  if (follow || nearBottom) list.scrollTop = list.scrollHeight;
}

function handoffNotice(handoff) {
  if (handoff.state === 'resolved') return t('handoffResolved');
  if (handoff.state === 'cancelled') return t('handoffCancelled');
  if (handoff.state === 'timed_out') return t('handoffTimedOut');
  if (handoff.state === 'active' && handoff.agent && handoff.agent.id !== state.agent?.id) return t('takenElsewhere');
  return '';
}

function renderChat() {
  const handoff = state.openHandoff;
  $('chat-empty').hidden = handoff !== null;
  $('chat-open').hidden = handoff === null;
  $('side-panel').hidden = handoff === null;
  document.body.classList.toggle('has-chat', handoff !== null);
  if (handoff === null) return;
  const mine = isMine(handoff);
  const queued = handoff.state === 'queued';
  $('chat-title').textContent = customerName(handoff);
  $('chat-meta').replaceChildren(
    el('span', { className: `tier-badge tier-${handoff.tier}` }, handoff.tier),
    ` ${handoff.ticketReference} · ${handoff.channelId} · ${(handoff.language ?? '').toUpperCase()}`,
    queued ? ` · ${t('preview')} ${handoff.position ? `(${t('position', { n: handoff.position })})` : ''}` : '',
    handoff.satisfaction ? ` · ${t('satisfaction', { n: handoff.satisfaction })}` : '',
  );
  $('accept-button').hidden = !queued;
  $('transfer-button').hidden = !mine;
  $('resolve-button').hidden = !mine;
  $('composer').hidden = !mine;
  $('chat-notice').textContent = handoffNotice(handoff);
  renderTranscript({ follow: true });
  renderSidePanel(handoff);
}

/** A bar's filled part; its width is set through the CSSOM (the CSP refuses style attributes). */
function barFill(fraction) {
  const fill = el('span');
  fill.style.width = `${Math.round(fraction * 100)}%`;
  return fill;
}

function renderSidePanel(handoff) {
  const c = handoff.classification ?? {};
  const rows = [
    [t('question'), handoff.question],
    [t('ticket'), handoff.ticketReference],
    [t('channel'), handoff.channelId],
    [t('customerLanguage'), (handoff.language ?? '').toUpperCase()],
    [t('classification'), t('classifiedBy', { tier: c.tier ?? handoff.tier, source: t(`source_${c.source}`), score: score(c.score), margin: score(c.margin) })],
  ];
  $('details').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
  const scores = Object.entries(c.scores ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const max = Math.max(0.0001, ...scores.map(([, v]) => Math.abs(v)));
  $('score-bars').replaceChildren(
    ...scores.map(([tier, value]) =>
      el(
        'li',
        { className: tier === c.tier ? 'chosen' : '' },
        el('span', { className: 'score-tier' }, tier),
        el('span', { className: 'score-bar', 'aria-hidden': 'true' }, barFill(Math.max(0, value) / max)),
        el('span', { className: 'score-value' }, score(value)),
      ),
    ),
  );
  // A rule or the customer's own choice decides without per-tier scores.
  $('scores-heading').hidden = scores.length === 0;
  const tried = handoff.articlesTried ?? [];
  $('articles-tried').replaceChildren(...tried.map((a) => el('li', {}, el('span', {}, a.title ?? a.articleId), el('span', { className: 'score-value' }, score(a.score)))));
  $('articles-empty').hidden = tried.length > 0;
  workspace.render(handoff);
  void vendorPanel.render(handoff);
}

function addMessage(message) {
  const index = state.messages.findIndex((m) => m.id === message.id);
  if (index >= 0) state.messages[index] = { ...state.messages[index], ...message, pending: false };
  else state.messages.push(message);
  renderTranscript();
}

function updateComposerMode() {
  const note = state.composerMode === 'note';
  const input = $('composer-input');
  $('composer').classList.toggle('note-mode', note);
  input.placeholder = t(note ? 'notePlaceholder' : 'replyPlaceholder');
  $('composer-label').textContent = t(note ? 'noteLabel' : 'messageLabel');
  $('composer-send').textContent = t(note ? 'addNote' : 'send');
  for (const radio of document.querySelectorAll('input[name="composer-mode"]')) radio.checked = radio.value === state.composerMode;
}

async function sendComposer() {
  const input = $('composer-input');
  const text = input.value.trim();
  const handoff = state.openHandoff;
  if (!text || !isMine(handoff)) return;
  const note = state.composerMode === 'note';
  input.value = '';
  const temporary = { id: `pending-${Date.now()}`, handoffId: handoff.id, from: note ? 'note' : 'agent', text, at: new Date().toISOString(), agent: { id: state.agent.id, name: state.agent.name }, pending: true };
  state.messages.push(temporary);
  renderTranscript();
  try {
    const message = await (note ? api.addNote(handoff.id, text) : api.sendMessage(handoff.id, text));
    state.messages = state.messages.filter((m) => m.id !== temporary.id);
    if (!state.messages.some((m) => m.id === message.id)) state.messages.push(message);
    state.lastTypingSentAt = 0;
    renderTranscript();
  } catch (error) {
    state.messages = state.messages.filter((m) => m.id !== temporary.id);
    renderTranscript();
    if (!input.value) input.value = text;
    if (error instanceof ApiError && error.status === 401) return showSignIn(t('sessionEnded'));
    toast(explain(error), 'error');
  }
}

function onComposerInput() {
  const handoff = state.openHandoff;
  if (state.composerMode !== 'reply' || !isMine(handoff) || $('composer-input').value.trim() === '') return;
  const now = Date.now();
  if (now - state.lastTypingSentAt < TYPING_EVERY_MS) return;
  state.lastTypingSentAt = now;
  api.typing(handoff.id).catch(() => undefined);
}

function showCustomerTyping() {
  $('typing-indicator').textContent = t('customerTyping');
  clearTimeout(state.customerTypingTimer);
  state.customerTypingTimer = setTimeout(() => ($('typing-indicator').textContent = ''), CUSTOMER_TYPING_SHOWN_MS);
}

// ---------------------------------------------------------------- dialogs

async function openTransfer() {
  const handoff = state.openHandoff;
  if (!isMine(handoff)) return;
  const dialog = $('transfer-dialog');
  $('transfer-error').textContent = '';
  $('transfer-tier').replaceChildren(...TIERS.filter((tier) => tier !== handoff.tier).map((tier) => new Option(tier, tier)));
  $('transfer-agent').replaceChildren();
  $('transfer-agent-row').hidden = true;
  $('transfer-no-agents').hidden = true;
  dialog.querySelector('input[value="tier"]').checked = true;
  dialog.showModal();
  $('transfer-tier').focus();
  const agents = await api.agents().catch(() => []);
  const colleagues = agents.filter((a) => a.id !== state.agent.id && a.status === 'online');
  $('transfer-agent').replaceChildren(
    ...colleagues.map(
      (a) =>
        new Option(
          t('agentOption', { name: a.name, tiers: a.tiers.join(' '), active: a.activeChats, capacity: a.capacity, status: t(a.status) }),
          a.id,
          false,
          false,
        ),
    ),
  );
  $('transfer-no-agents').hidden = colleagues.length > 0;
  $('transfer-agent-row').hidden = colleagues.length === 0;
  dialog.querySelector('input[value="agent"]').disabled = colleagues.length === 0;
}

async function submitTransfer(event) {
  event.preventDefault();
  const handoff = state.openHandoff;
  const kind = $('transfer-dialog').querySelector('input[name="transfer-kind"]:checked').value;
  const target = kind === 'agent' ? { agentId: $('transfer-agent').value } : { tier: $('transfer-tier').value };
  if (!Object.values(target)[0]) return;
  try {
    await api.transfer(handoff.id, target);
    $('transfer-dialog').close();
    state.active = state.active.filter((h) => h.id !== handoff.id);
    closeChat();
    toast(t('transferred'));
    $('inbox').focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignIn(t('sessionEnded'));
    $('transfer-error').textContent = explain(error);
  }
}

function openResolve() {
  if (!isMine(state.openHandoff)) return;
  $('resolve-error').textContent = '';
  $('closing-message').value = '';
  $('worth-article').checked = false;
  $('resolve-dialog').showModal();
  $('closing-message').focus();
}

async function submitResolve(event) {
  event.preventDefault();
  const handoff = state.openHandoff;
  const closingMessage = $('closing-message').value.trim();
  const body = { worthArticle: $('worth-article').checked };
  if (closingMessage) body.closingMessage = closingMessage;
  try {
    await api.resolve(handoff.id, body);
    $('resolve-dialog').close();
    state.active = state.active.filter((h) => h.id !== handoff.id);
    closeChat();
    toast(t('resolved'));
    $('inbox').focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignIn(t('sessionEnded'));
    $('resolve-error').textContent = explain(error);
  }
}

// ---------------------------------------------------------------- live events

function onEvent(type, data) {
  switch (type) {
    case 'hello':
      // A fresh stream (first or after a drop): catch up on whatever happened meanwhile.
      if (data.agent) {
        state.agent = data.agent;
        renderAgent();
      }
      refreshHandoffs({ announce: true }).catch(() => undefined);
      if (state.openId) reloadOpenConversation();
      break;
    case 'queue':
      setQueue(data.queued ?? [], { announce: true });
      renderInbox();
      break;
    case 'handoff':
      onHandoffChanged(data.handoff);
      break;
    case 'message':
      onMessage(data.message);
      break;
    case 'typing':
      if (data.handoffId === state.openId) showCustomerTyping();
      break;
    default:
      break;
  }
}

async function reloadOpenConversation() {
  const id = state.openId;
  const data = await api.handoff(id).catch(() => undefined);
  if (data === undefined || state.openId !== id) return;
  state.openHandoff = data.handoff;
  state.messages = data.messages;
  renderChat();
}

function onHandoffChanged(handoff) {
  if (!handoff) return;
  remember([handoff]);
  const mine = isMine(handoff);
  const wasActive = state.active.some((h) => h.id === handoff.id);
  if (mine && !wasActive && state.accepting !== handoff.id && handoff.state === 'active') {
    // Not our own accept: a colleague transferred this chat to us.
    chime.play();
    toast(t('transferredToYou', { question: handoff.question.length > 80 ? `${handoff.question.slice(0, 79)}…` : handoff.question }));
  }
  if (mine) state.active = wasActive ? state.active.map((h) => (h.id === handoff.id ? handoff : h)) : [...state.active, handoff];
  else state.active = state.active.filter((h) => h.id !== handoff.id);
  if (handoff.state !== 'queued') state.queued = state.queued.filter((h) => h.id !== handoff.id);
  if (handoff.id === state.openId) {
    state.openHandoff = handoff;
    if (!mine && handoff.state === 'queued' && wasActive) {
      toast(t('handoffTransferredAway'));
      closeChat();
      return;
    }
    renderChat();
  }
  renderInbox();
}

function onMessage(message) {
  if (!message) return;
  if (message.handoffId === state.openId) {
    addMessage(message);
    if (message.from === 'customer') {
      $('typing-indicator').textContent = '';
      // What the customer just wrote may point to other articles.
      workspace.customerWrote(message.handoffId);
      // ...or be their yes / no to sharing with a vendor.
      void vendorPanel.customerWrote(message.handoffId);
      if (document.hidden) {
        state.unread.set(message.handoffId, (state.unread.get(message.handoffId) ?? 0) + 1);
        chime.play();
      }
    }
  } else if (message.from === 'customer') {
    state.unread.set(message.handoffId, (state.unread.get(message.handoffId) ?? 0) + 1);
    chime.play();
  }
  renderInbox();
}

// ---------------------------------------------------------------- keyboard

function isTextField(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function onKeyDown(event) {
  if (state.agent === null || document.querySelector('dialog[open]')) return;
  if (event.key === 'Escape' && document.body.classList.contains('drawer-open')) {
    setDrawer(false);
    $('inbox-toggle').focus();
    return;
  }
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const key = event.key.toLowerCase();
    const code = event.code;
    const handled = () => event.preventDefault();
    if (code === 'KeyA' || key === 'a') {
      handled();
      const oldest = state.queued[0];
      if (state.openHandoff?.state === 'queued') acceptConversation(state.openId);
      else if (oldest) acceptConversation(oldest.id);
    } else if (code === 'KeyN' || key === 'n') {
      handled();
      state.composerMode = state.composerMode === 'note' ? 'reply' : 'note';
      updateComposerMode();
      $('composer-input').focus();
    } else if (code === 'KeyT' || key === 't') {
      handled();
      openTransfer();
    } else if (code === 'KeyR' || key === 'r') {
      handled();
      openResolve();
    } else if (code === 'KeyI' || key === 'i') {
      handled();
      if (narrow.matches) setDrawer(true);
      ($('inbox').querySelector('.conversation-open') ?? $('inbox')).focus();
    } else if (key === 'arrowup' || key === 'arrowdown') {
      handled();
      moveSelection(key === 'arrowup' ? -1 : 1);
    }
    return;
  }
  if (event.key === '?' && !isTextField(event.target)) {
    event.preventDefault();
    $('shortcuts-dialog').showModal();
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('sign-in-form').addEventListener('submit', onSignIn);
  $('sign-in-language').addEventListener('change', (event) => {
    setLanguage(event.target.value);
    state.languagePickedAtSignIn = true;
  });
  $('language-select').addEventListener('change', async (event) => {
    setLanguage(event.target.value);
    const agent = await attempt(() => api.updateMe({ language: state.language })).catch(() => undefined);
    if (agent) state.agent = agent;
  });
  for (const radio of document.querySelectorAll('input[name="agent-status"]')) {
    radio.addEventListener('change', async () => {
      const agent = await attempt(() => api.updateMe({ status: radio.value })).catch(() => undefined);
      if (agent) state.agent = agent;
      renderAgent();
    });
  }
  $('sound-toggle').addEventListener('click', () => {
    chime.enabled = !chime.enabled;
    chime.unlock();
    renderSound();
    chime.play();
  });
  $('shortcuts-button').addEventListener('click', () => $('shortcuts-dialog').showModal());
  $('sign-out').addEventListener('click', onSignOut);
  $('inbox-toggle').addEventListener('click', () => setDrawer(!document.body.classList.contains('drawer-open')));
  $('inbox-close').addEventListener('click', () => {
    setDrawer(false);
    $('inbox-toggle').focus();
  });
  $('inbox-backdrop').addEventListener('click', () => setDrawer(false));
  narrow.addEventListener('change', () => setDrawer(false));

  $('accept-button').addEventListener('click', () => state.openId && acceptConversation(state.openId));
  $('transfer-button').addEventListener('click', openTransfer);
  $('resolve-button').addEventListener('click', openResolve);
  $('transfer-form').addEventListener('submit', submitTransfer);
  $('resolve-form').addEventListener('submit', submitResolve);
  for (const button of document.querySelectorAll('.dialog-cancel')) button.addEventListener('click', () => button.closest('dialog').close());
  for (const radio of document.querySelectorAll('input[name="transfer-kind"]')) {
    radio.addEventListener('change', () => (radio.value === 'agent' ? $('transfer-agent') : $('transfer-tier')).focus());
  }
  $('transfer-agent').addEventListener('focus', () => ($('transfer-dialog').querySelector('input[value="agent"]').checked = true));
  $('transfer-tier').addEventListener('focus', () => ($('transfer-dialog').querySelector('input[value="tier"]').checked = true));

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    sendComposer();
  });
  $('composer-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendComposer();
    }
  });
  $('composer-input').addEventListener('input', onComposerInput);
  for (const radio of document.querySelectorAll('input[name="composer-mode"]')) {
    radio.addEventListener('change', () => {
      state.composerMode = radio.value;
      updateComposerMode();
    });
  }
  document.addEventListener('keydown', onKeyDown);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.openId && state.unread.has(state.openId)) {
      state.unread.delete(state.openId);
      renderInbox();
    }
  });
  setInterval(tickWaits, 1000);
}

/** Playbooks, suggestions and answer cards in the side panel (web/agent/workspace.js). */
const workspace = new Workspace({
  api,
  language: () => state.language,
  openHandoff: () => state.openHandoff,
  isMine,
  toast,
  explain,
  onMessage: (message) => addMessage(message),
  composer: $('composer-input'),
});

/** The vendor step of L4 chats in the side panel (web/agent/vendor-step.js). */
const vendorPanel = new VendorPanel({ api, language: () => state.language, isMine, toast, explain });

async function start() {
  workspace.wire();
  wire();
  applyStrings();
  try {
    const agent = await api.session();
    await enterConsole(agent);
  } catch (error) {
    showSignIn(error instanceof ApiError && error.status === 401 ? '' : explain(error));
  }
}

start();
