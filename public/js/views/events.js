// Event log: filters, cursor paging ("Load more"), and an event's detail (redacted headers, pretty body,
// verification, processing status and its jobs).
import { api, query } from '../api.js';
import { badge, card, dl, fmtBytes, fmtTime, h, messageArea, table } from '../ui.js';

const STATUSES = ['queued', 'processed', 'failed', 'skipped'];

export async function render(ctx, root, [eventId]) {
  if (eventId) return renderDetail(root, eventId);
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
  let cursor = null;

  async function load(append) {
    const q = query({
      source: source.value,
      eventType: eventType.value.trim(),
      status: status.value,
      from: local(from),
      to: local(to),
      limit: 25,
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
  }
  more.addEventListener('click', () => load(true).catch(msg.error));

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        msg.clear();
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

  root.append(card('Filters', form), msg.el, card('Events', results, empty, more));
  await load(false);
}

async function renderDetail(root, id) {
  const [e, { items: sources }] = await Promise.all([
    api('GET', `/webhooks/${encodeURIComponent(id)}`),
    api('GET', '/sources'),
  ]);
  const sourceName = sources.find((s) => s.id === e.sourceId)?.name ?? `${e.sourceId} (deleted)`;
  let bodyText = e.body.data;
  if (e.body.encoding === 'utf8') {
    try {
      bodyText = JSON.stringify(JSON.parse(e.body.data), null, 2);
    } catch {
      /* not JSON: shown as received */
    }
  }
  root.append(
    h('p', {}, h('a', { href: '#/events' }, '← Back to the event log')),
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
      h(
        'p',
        { class: 'muted small' },
        'Replay is not offered yet: the gateway has no replay API for received events.',
      ),
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
}
