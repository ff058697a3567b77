/*
 * tierdesk support widget. Embed on any page with one tag:
 *
 *   <script src="https://support.example.com/widget.js" data-title="Support" data-color="#0b5cad"
 *           data-text-color="#ffffff" data-language="en" data-position="right" async></script>
 *
 * Adds a launcher button that opens the bot's /chat page in a panel (an iframe on the bot's
 * origin, so the conversation and its token stay there, and continue across page reloads).
 * Everything lives in a shadow root, so the host page's CSS cannot break it and ours cannot leak.
 * Exposes window.TierdeskWidget.open() / .close() for "Contact support" links on the page.
 */
(function () {
  'use strict';

  if (window.TierdeskWidget) return; // included twice: keep the first

  // The widget's own strings per language (data-language); the chat itself is localised by the
  // chat page (Web Chat's built-in strings) and by the bot (src/i18n).
  var TEXTS = {
    en: { open: 'Open chat: ', close: 'Close chat', frame: ' chat', title: 'Support' },
    pt: { open: 'Abrir chat: ', close: 'Fechar chat', frame: ' – chat', title: 'Suporte' },
    pl: { open: 'Otwórz czat: ', close: 'Zamknij czat', frame: ' – czat', title: 'Pomoc techniczna' },
  };

  var script =
    document.currentScript ||
    Array.prototype.slice.call(document.querySelectorAll('script[src]')).filter(function (s) {
      return /\/widget\.js(\?|$)/.test(s.src);
    })[0];
  if (!script) return;

  var origin = new URL(script.src, window.location.href).origin;
  var data = script.dataset;
  var color = validColor(data.color) || '#0b5cad';
  var textColor = validColor(data.textColor) || '#ffffff';
  var language = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(data.language || '') ? data.language : document.documentElement.lang || 'en';
  var position = data.position === 'left' ? 'left' : 'right';
  var texts = TEXTS[language.split('-')[0].toLowerCase()] || TEXTS.en;
  var title = (data.title || texts.title).slice(0, 60);

  function validColor(value) {
    return /^#[0-9A-Fa-f]{3}([0-9A-Fa-f]{3})?$/.test(value || '') ? value : undefined;
  }

  var css =
    ':host { all: initial; }' +
    '* { box-sizing: border-box; }' +
    '.launcher { position: fixed; bottom: 20px; ' + position + ': 20px; z-index: 2147483000;' +
    '  width: 60px; height: 60px; border-radius: 50%; border: none; cursor: pointer; padding: 0;' +
    '  display: flex; align-items: center; justify-content: center;' +
    '  background: ' + color + '; color: ' + textColor + '; box-shadow: 0 4px 14px rgba(0,0,0,.3); }' +
    '.launcher svg { width: 30px; height: 30px; }' +
    '.launcher:hover { filter: brightness(1.1); }' +
    '.launcher:focus { outline: none; }' +
    '.launcher:focus-visible, .close:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 3px; box-shadow: 0 0 0 3px #fff; }' +
    '.panel { position: fixed; bottom: 92px; ' + position + ': 20px; z-index: 2147483000;' +
    '  width: 380px; height: min(600px, calc(100vh - 112px)); display: flex; flex-direction: column;' +
    '  background: #fff; border-radius: 12px; overflow: hidden; box-shadow: 0 8px 32px rgba(0,0,0,.28);' +
    '  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }' +
    '.panel[hidden] { display: none; }' +
    '.header { flex: none; display: flex; align-items: center; justify-content: space-between;' +
    '  padding: 10px 10px 10px 16px; background: ' + color + '; color: ' + textColor + '; }' +
    '.header h2 { margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3; }' +
    '.close { width: 36px; height: 36px; border: none; border-radius: 6px; cursor: pointer;' +
    '  background: transparent; color: inherit; font-size: 24px; line-height: 1; }' +
    '.close:hover { background: rgba(255,255,255,.18); }' +
    'iframe { flex: 1 1 auto; width: 100%; border: 0; }' +
    '@media (prefers-reduced-motion: no-preference) { .panel { animation: tierdesk-in .15s ease-out; } }' +
    '@keyframes tierdesk-in { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }' +
    '@media (max-width: 480px) { .panel { left: 0; right: 0; bottom: 0; width: 100%; height: 100%; border-radius: 0; }' +
    '  .launcher[aria-expanded="true"] { display: none; } }';

  var host = document.createElement('div');
  host.id = 'tierdesk-widget';
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;

  var style = document.createElement('style');
  style.textContent = css;

  var launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-label', texts.open + title);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'tierdesk-panel');
  launcher.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg>';

  var panel = document.createElement('div');
  panel.className = 'panel';
  panel.id = 'tierdesk-panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', title);
  panel.hidden = true;

  var header = document.createElement('div');
  header.className = 'header';
  var heading = document.createElement('h2');
  heading.textContent = title;
  var closeButton = document.createElement('button');
  closeButton.type = 'button';
  closeButton.className = 'close';
  closeButton.setAttribute('aria-label', texts.close);
  closeButton.innerHTML = '<span aria-hidden="true">&times;</span>';
  header.appendChild(heading);
  header.appendChild(closeButton);
  panel.appendChild(header);

  root.appendChild(style);
  root.appendChild(panel);
  root.appendChild(launcher);

  var frame;
  var frameLoaded = false;

  function chatUrl() {
    var query = new URLSearchParams({ embed: '1', title: title, color: color, textColor: textColor, language: language });
    return origin + '/chat?' + query.toString();
  }

  function focusChat() {
    if (!frame || !frameLoaded) return;
    frame.focus();
    frame.contentWindow.postMessage({ type: 'tierdesk:focus' }, origin);
  }

  function open() {
    if (!panel.hidden) return;
    // The frame is created on first open only (host pages stay light) and kept afterwards.
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = title + texts.frame;
      frame.src = chatUrl();
      frame.setAttribute('allow', 'clipboard-write');
      frame.addEventListener('load', function () {
        frameLoaded = true;
        if (!panel.hidden) focusChat();
      });
      panel.appendChild(frame);
    }
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    if (frameLoaded) focusChat();
    else closeButton.focus();
  }

  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  launcher.addEventListener('click', function () {
    if (panel.hidden) open();
    else close();
  });
  closeButton.addEventListener('click', close);
  // Escape while focus is on the panel's own controls; inside the frame, the chat page tells us.
  root.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !panel.hidden) {
      event.stopPropagation();
      close();
    }
  });
  window.addEventListener('message', function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    if (event.data && event.data.type === 'tierdesk:close') close();
  });

  function attach() {
    document.body.appendChild(host);
  }
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);

  window.TierdeskWidget = { open: open, close: close };
})();
