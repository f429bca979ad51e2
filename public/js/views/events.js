// Event log: filters, cursor paging ("Load more", 50 a page), and an event's detail (redacted headers,
// pretty body, verification, processing status and its jobs, the flow executions it triggered, replay
// through the current flows).
import { api, query } from '../api.js';
import { actionButton, badge, card, dl, fmtBytes, fmtTime, h, messageArea, table } from '../ui.js';

const STATUSES = ['queued', 'processed', 'failed', 'skipped'];
const PAGE = 50;
const POLL_MS = 1_000;
/** The filters last applied, kept (in memory, for this page's life) when going to an event and back. */
const kept = { source: '', eventType: '', status: '', from: '', to: '' };

export async function render(ctx, root, [eventId]) {
  if (eventId) return renderDetail(ctx, root, eventId);
  const msg = messageArea();
  const { items: sources } = await api('GET', '/sources');
  const names = new Map([['clockify', 'Clockify'], ...sources.map((s) => [s.id, s.name])]);

  const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
  const source = h(
    'select',
    { id: 'f-source', name: 'source' },
    h('option', { value: '' }, 'All sources'),
    h('option', { value: 'clockify' }, 'Clockify'),
    sources.map((s) => h('option', { value: s.id }, s.name)),
  );
  const eventType = h('input', {
    id: 'f-type',
    name: 'eventType',
    maxlength: 100,
    placeholder: 'e.g. NEW_PROJECT',
  });
  const status = h(
    'select',
    { id: 'f-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const from = h('input', { id: 'f-from', name: 'from', type: 'datetime-local' });
  const to = h('input', { id: 'f-to', name: 'to', type: 'datetime-local' });
  const local = (input) => (input.value ? new Date(input.value).toISOString() : undefined); // viewer's zone → UTC
  const controls = { source, eventType, status, from, to };
  for (const [k, el] of Object.entries(controls)) el.value = kept[k];
  if (source.value !== kept.source) kept.source = source.value = ''; // a deleted source

  const tbody = h('tbody');
  const results = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, 'Received events, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Received', 'Source', 'Type', 'Status', 'Size'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      tbody,
    ),
  );
  const empty = h('p', { class: 'muted', hidden: true }, 'No events match.');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const count = h('p', { class: 'muted small list-count', 'aria-live': 'polite', id: 'events-count' });
  let cursor = null;

  async function load(append) {
    const q = query({
      source: source.value,
      eventType: eventType.value.trim(),
      status: status.value,
      from: local(from),
      to: local(to),
      limit: PAGE,
      cursor: append ? cursor : undefined,
    });
    const page = await api('GET', `/webhooks${q}`);
    const rows = page.items.map((e) =>
      h(
        'tr',
        {},
        h('td', {}, h('a', { href: `#/events/${encodeURIComponent(e.id)}` }, fmtTime(e.receivedAt))),
        h('td', {}, names.get(e.sourceId ?? 'clockify') ?? e.sourceId ?? 'deleted source'),
        h('td', {}, e.eventType),
        h('td', {}, badge(e.status)),
        h('td', {}, fmtBytes(e.sizeBytes)),
      ),
    );
    if (append) tbody.append(...rows);
    else tbody.replaceChildren(...rows);
    empty.hidden = tbody.children.length > 0;
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    const n = tbody.children.length;
    count.textContent =
      n === 0 ? '' : `Showing ${n} event${n === 1 ? '' : 's'}${cursor ? '; more are older' : ''}.`;
  }
  more.addEventListener('click', () => load(true).catch(msg.error));

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        msg.clear();
        for (const [k, el] of Object.entries(controls)) kept[k] = el.value;
        load(false).catch(msg.error);
      },
    },
    field('f-source', 'Source', source),
    field('f-type', 'Event type', eventType),
    field('f-status', 'Status', status),
    field('f-from', 'From', from),
    field('f-to', 'To', to),
    h('div', { class: 'field end' }, h('button', { type: 'submit' }, 'Apply filters')),
  );

  root.append(card('Filters', form), msg.el, card('Events', results, empty, count, more));
  await load(false);
}

const EXEC_KIND = {
  queued: 'queued',
  running: 'running',
  waiting: 'queued',
  succeeded: 'ok',
  failed: 'failed',
  outcome_unknown: 'warn',
  skipped: 'skipped',
};

async function renderDetail(ctx, root, id) {
  const msg = messageArea();
  const [e, { items: sources }, { items: flows }] = await Promise.all([
    api('GET', `/webhooks/${encodeURIComponent(id)}`),
    api('GET', '/sources'),
    api('GET', '/flows'),
  ]);
  const flowNames = new Map(flows.map((f) => [f.id, f.name]));
  const sourceName = sources.find((s) => s.id === e.sourceId)?.name ?? `${e.sourceId} (deleted)`;
  let bodyText = e.body.data;
  if (e.body.encoding === 'utf8') {
    try {
      bodyText = JSON.stringify(JSON.parse(e.body.data), null, 2);
    } catch {
      /* not JSON: shown as received */
    }
  }
  const timers = new Set();
  let alive = true;
  const later = (fn, ms) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (alive) fn();
    }, ms);
    timers.add(t);
  };

  // The flow executions this event triggered (and its replays), newest first.
  const executions = h('div', { id: 'event-executions' });
  async function loadExecutions() {
    const { items } = await api('GET', `/executions${query({ eventId: e.id, limit: 50 })}`);
    executions.replaceChildren(
      table({
        caption: 'Flow executions this event triggered, newest first',
        hideCaption: true,
        headers: ['Flow', 'Status', 'Origin', 'Started', 'Finished', 'Error'],
        rows: items.map((x) => [
          h(
            'a',
            { href: `#/flows/${encodeURIComponent(x.flowId)}` },
            flowNames.get(x.flowId) ?? `${x.flowId} (deleted)`,
          ),
          badge(x.status, EXEC_KIND[x.status]),
          x.origin,
          fmtTime(x.startedAt ?? x.createdAt),
          fmtTime(x.finishedAt),
          x.error ?? '—',
        ]),
        empty: 'No flow ran for this event.',
      }),
    );
    return items;
  }
  /** Reloads the executions every second while the event or one of its executions is not done (≤ 60 s). */
  const TERMINAL = new Set(['succeeded', 'failed', 'outcome_unknown', 'skipped']);
  async function watch(started = Date.now()) {
    const items = await loadExecutions();
    const busy = items.some((x) => !TERMINAL.has(x.status)) || (e.status === 'queued' && items.length === 0);
    if (busy && Date.now() - started < 60_000) later(() => watch(started).catch(msg.error), POLL_MS);
  }
  const replay = actionButton(
    ctx,
    'Replay through the flows',
    async () => {
      const { executions: ids } = await api('POST', `/webhooks/${encodeURIComponent(e.id)}/replay`);
      if (ids.length === 0) {
        msg.info('Replayed: no enabled flow matches this event now, so nothing ran.');
        return;
      }
      msg.info(`Replayed: ${ids.length} flow execution${ids.length === 1 ? '' : 's'} started.`);
      await watch();
    },
    { disabled: e.status === 'queued', title: e.status === 'queued' ? 'Not processed yet' : undefined },
  );

  root.append(
    h('p', {}, h('a', { href: '#/events' }, '← Back to the event log')),
    msg.el,
    card(
      `${e.eventType}`,
      dl([
        ['Event id', h('code', {}, e.id)],
        ['Received', fmtTime(e.receivedAt)],
        ['Source', e.sourceKind === 'clockify' ? 'Clockify' : sourceName],
        ['Status', badge(e.status)],
        ['Processed', fmtTime(e.processedAt)],
        ['Content type', e.contentType],
        ['Size', fmtBytes(e.sizeBytes)],
        ['Verified by', String(e.verification.method ?? '—')],
        ['Dedup key', h('code', {}, e.dedupKey)],
      ]),
      e.lastError ? h('p', { class: 'error' }, `Last error: ${e.lastError}`) : null,
    ),
    card(
      'Flows it triggered',
      h(
        'p',
        { class: 'muted small' },
        'Replay runs this event through the flows as they are now (new executions; outbound endpoints are not sent it again).',
      ),
      replay,
      executions,
    ),
    card(
      'Body',
      h(
        'pre',
        { class: 'code', tabindex: 0, 'aria-label': 'Event body' },
        e.body.encoding === 'base64' ? `(binary, base64)\n${bodyText}` : bodyText,
      ),
    ),
    card(
      'Headers (secrets redacted)',
      table({
        caption: 'Request headers',
        hideCaption: true,
        headers: ['Header', 'Value'],
        rows: Object.entries(e.headers)
          .sort()
          .map(([k, v]) => [h('code', {}, k), v]),
      }),
    ),
    card(
      'Processing',
      table({
        caption: 'Jobs that processed this event',
        hideCaption: true,
        headers: ['Job', 'Status', 'Attempts', 'Finished', 'Last error'],
        rows: e.jobs.map((j) => [
          j.name,
          badge(j.status),
          String(j.attempts),
          fmtTime(j.finishedAt),
          j.lastError ?? '—',
        ]),
        empty: 'No job recorded.',
      }),
    ),
  );
  await watch();
  return () => {
    alive = false;
    for (const t of timers) clearTimeout(t);
  };
}
