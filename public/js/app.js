// Entry point: token, who the viewer is, and a hash router that renders one view module at a time.
import { api, initToken, onExpired, tokenSecondsLeft } from './api.js';
import { h } from './ui.js';
import * as overview from './views/overview.js';
import * as sources from './views/sources.js';
import * as events from './views/events.js';
import * as settings from './views/settings.js';
import * as explorer from './views/explorer.js';
import * as endpoints from './views/endpoints.js';
import * as flows from './views/flows.js';

const ROUTES = { overview, sources, events, flows, endpoints, explorer, settings };
const TITLES = {
  overview: 'Overview',
  sources: 'Sources',
  events: 'Event log',
  flows: 'Flows',
  endpoints: 'Outbound endpoints',
  explorer: 'API explorer',
  settings: 'Settings & keys',
};

const $ = (sel) => document.querySelector(sel);
const view = $('#view');
let cleanup = null;
let stopped = false;

/** Replaces the page with a message (no token, expired token): nothing else works without a token. */
function stop(title, text) {
  stopped = true;
  if (cleanup) cleanup();
  $('#nav').hidden = true;
  $('#notice').hidden = true;
  view.replaceChildren(
    h('section', { class: 'card stop', role: 'alert' }, h('h1', {}, title), h('p', {}, text)),
  );
}

const expired = () =>
  stop(
    'Your session has expired',
    'Reopen this page from Clockify (the add-on’s tab in the sidebar) to continue. Nothing you saved is lost.',
  );

function showNotice(err) {
  const el = $('#notice');
  el.hidden = false;
  el.textContent = err instanceof Error ? err.message : String(err);
}

async function render(ctx) {
  if (stopped) return;
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const key = ROUTES[name] ? name : 'overview';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${key}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${TITLES[key]} · Webhook Gateway`;
  if (cleanup) cleanup();
  cleanup = null;
  $('#notice').hidden = true;
  const root = h('div', { class: 'view', 'data-view': key });
  view.replaceChildren(h('h1', {}, TITLES[key]), root);
  try {
    cleanup = (await ROUTES[key].render(ctx, root, rest.map(decodeURIComponent))) ?? null;
  } catch (err) {
    if (!stopped) showNotice(err);
  }
  view.dataset.ready = key;
}

async function main() {
  if (!initToken())
    return stop(
      'Open this page from Clockify',
      'This page needs the sign-in Clockify provides: open it from the add-on’s tab in Clockify’s sidebar.',
    );
  onExpired(expired);
  const left = tokenSecondsLeft();
  if (left !== null && left <= 0) return expired();
  if (left !== null) setTimeout(expired, Math.min(left * 1000, 2_147_000_000));

  const me = await api('GET', '/me');
  const writeBlocked = !me.canWrite ? 'Read-only access: changes need a workspace owner or admin.' : null;
  const ctx = {
    me,
    writeBlocked,
    /** Managing API keys needs a person (a user token), not a key. */
    keysBlocked:
      writeBlocked ?? (me.via !== 'user-token' ? 'API keys can be managed from Clockify only.' : null),
    error: showNotice,
  };
  $('#who').textContent = `${me.role ?? me.via} · ${me.canWrite ? 'can make changes' : 'read only'}`;
  if (writeBlocked) {
    const banner = h(
      'p',
      { class: 'readonly', id: 'readonly-reason' },
      writeBlocked,
      ' You can see everything.',
    );
    $('#nav').after(banner);
  }
  $('#nav').hidden = false;
  addEventListener('hashchange', () => render(ctx));
  await render(ctx);
}

main().catch((err) => {
  if (!stopped) showNotice(err);
});
