/*
 * tierdesk chat page: renders botframework-webchat against the bot's own Direct Line endpoint.
 *
 * The conversation survives reloads: its id and token are kept in this origin's localStorage, and
 * on load /api/webchat/session either resumes it (Web Chat then replays the history from the
 * start of the log) or starts a new one. The site secret never reaches the browser.
 */
(function () {
  'use strict';

  var STORAGE_KEY = 'tierdesk.webchat.session.v1';
  var TEXTS = {
    en: {
      connectFailed: 'The chat could not connect. Please check your connection and reload the page.',
      chatLabel: 'Support chat',
      title: 'Support',
    },
    pt: {
      connectFailed: 'Não foi possível conectar o chat. Verifique sua conexão e recarregue a página.',
      chatLabel: 'Chat de suporte',
      title: 'Suporte',
    },
    pl: {
      connectFailed: 'Nie udało się połączyć z czatem. Sprawdź połączenie i odśwież stronę.',
      chatLabel: 'Czat pomocy technicznej',
      title: 'Pomoc techniczna',
    },
  };
  // Web Chat's own strings (send box, "Send", timestamps) need a full locale it ships.
  var WEBCHAT_LOCALES = { en: 'en-US', pt: 'pt-BR', pl: 'pl-PL' };

  var params = new URLSearchParams(window.location.search);
  var language = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(params.get('language') || '') ? params.get('language') : navigator.language || 'en';
  var primary = language.split('-')[0].toLowerCase();
  var texts = TEXTS[primary] || TEXTS.en;
  // "pt" → "pt-BR"; a full tag ("pt-PT") is kept. Web Chat sends it to the bot as the activity locale.
  var locale = language.indexOf('-') > 0 ? language : WEBCHAT_LOCALES[primary] || language;
  var color = validColor(params.get('color')) || '#0b5cad';
  var textColor = validColor(params.get('textColor')) || '#ffffff';
  var title = (params.get('title') || texts.title).slice(0, 60);
  var embedded = params.get('embed') === '1';

  document.documentElement.lang = locale;
  document.title = title;
  document.body.classList.toggle('embedded', embedded);
  document.body.style.setProperty('--tierdesk-accent', color);
  document.body.style.setProperty('--tierdesk-on-accent', textColor);
  document.getElementById('chat-title').textContent = title;
  document.getElementById('webchat').setAttribute('aria-label', title + ' — ' + texts.chatLabel);

  function validColor(value) {
    return /^#[0-9A-Fa-f]{3}([0-9A-Fa-f]{3})?$/.test(value || '') ? value : undefined;
  }

  function readKept() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || 'null');
      return kept && typeof kept.conversationId === 'string' && typeof kept.token === 'string' ? kept : undefined;
    } catch (_) {
      return undefined; // storage blocked or corrupt: start a new conversation
    }
  }

  function keep(session) {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify({ conversationId: session.conversationId, token: session.token }));
    } catch (_) {
      // Storage blocked (e.g. strict privacy settings): the chat works, it just will not resume.
    }
  }

  async function openSession(kept) {
    var response = await fetch('/api/webchat/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(kept ? { conversationId: kept.conversationId, token: kept.token } : {}),
      credentials: 'same-origin',
    });
    if (!response.ok) throw new Error('session request answered ' + response.status);
    return response.json();
  }

  /**
   * Renews the token at half its lifetime: the kept copy (so a reload later still resumes this
   * conversation) and the one Web Chat sends, because botframework-directlinejs renews its own
   * only every 15 minutes, which is too late when DIRECTLINE_TOKEN_TTL_SECONDS is shorter.
   */
  function scheduleRenewal(session, directLine) {
    window.setTimeout(async function () {
      try {
        var renewed = await openSession(session);
        if (renewed.resumed && renewed.conversationId === session.conversationId) {
          keep(renewed);
          directLine.token = renewed.token;
          scheduleRenewal(renewed, directLine);
        }
      } catch (_) {
        window.setTimeout(function () { scheduleRenewal(session, directLine); }, 30000);
      }
    }, Math.max(30, session.expiresIn / 2) * 1000);
  }

  function focusSendBox() {
    var input = document.querySelector('[data-id="webchat-sendbox-input"]');
    if (input) input.focus();
  }

  // In the widget: Escape closes the panel (unless Web Chat used the key itself), and the host page
  // asks us to focus the send box when the panel opens. Messages carry no secrets.
  if (embedded && window.parent !== window) {
    window.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && !event.defaultPrevented) window.parent.postMessage({ type: 'tierdesk:close' }, '*');
    });
    window.addEventListener('message', function (event) {
      if (event.source === window.parent && event.data && event.data.type === 'tierdesk:focus') focusSendBox();
    });
  }

  async function start() {
    var session;
    try {
      session = await openSession(readKept());
    } catch (_) {
      document.getElementById('chat-status').textContent = texts.connectFailed;
      return;
    }
    keep(session);

    var directLine = window.WebChat.createDirectLine({
      token: session.token,
      // Resuming: Web Chat reconnects to this conversation and replays it from the first activity.
      conversationId: session.resumed ? session.conversationId : undefined,
      domain: window.location.origin + '/v3/directline',
      webSocket: true,
      // The conversation starts in the widget's language: the bot's greeting is already in it.
      conversationStartProperties: { locale: locale },
    });
    scheduleRenewal(session, directLine);

    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        locale: locale,
        // While the customer types, Web Chat posts a typing activity (at most every 3 s): a live
        // chat agent sees "The customer is typing…". The bot stores none of them.
        sendTypingIndicator: true,
        styleOptions: {
          accent: color,
          bubbleFromUserBackground: color,
          bubbleFromUserTextColor: textColor,
          bubbleBorderRadius: 10,
          bubbleFromUserBorderRadius: 10,
          bubbleMaxWidth: 560,
          richCardWrapTitle: true,
          hideUploadButton: true,
          sendBoxButtonColor: color,
          rootHeight: '100%',
          rootWidth: '100%',
        },
      },
      document.getElementById('webchat'),
    );
    document.body.setAttribute('data-conversation-id', session.conversationId);
    if (embedded) focusSendBox();
  }

  start();
})();
