// An outbound endpoint's page (#/endpoints/<id>): stats and actions; edit every setting; preview the filter
// and transformation on samples or recent events; send a test event; recover failed messages since a time
// (with progress); messages with filters and "Load more"; a message's attempts and "Retry now".
import { api, query } from '../api.js';
import { actionButton, badge, card, dl, fmtTime, h, messageArea, table } from '../ui.js';
import {
  MESSAGE_KIND,
  STATUS_KIND,
  editForm,
  endpointActions,
  field,
  label,
  pct,
  pretty,
} from './endpoint-parts.js';

const POLL_MS = 1_000;
const enc = encodeURIComponent;

/** A test send's attempt as definition-list pairs. */
function attemptPairs(a) {
  return [
    ['Attempted', fmtTime(a.attemptedAt)],
    ['HTTP status', a.status === null ? '—' : String(a.status)],
    ['Latency', `${a.latencyMs} ms`],
    ['Error', a.error ? `${a.errorClass ?? ''} ${a.error}`.trim() : null],
    ['Address', a.address],
    ['Trigger', a.trigger],
  ];
}

/** From a datetime-local input (the viewer's zone) to UTC ISO. */
const localToIso = (input) => (input.value ? new Date(input.value).toISOString() : undefined);
/** A Date as a datetime-local value in the viewer's zone. */
function toLocalInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** One endpoint: stats and actions, edit, preview, test, recover, messages and their attempts. */
export async function renderDetail(ctx, root, endpointId) {
  const msg = messageArea();
  const base = `/endpoints/${enc(endpointId)}`;
  const [first, { items: eventTypes }, { items: sources }] = await Promise.all([
    api('GET', base),
    api('GET', '/event-types'),
    api('GET', '/sources'),
  ]);
  let endpoint = first;
  const sourceName = new Map([
    ['clockify', 'Clockify'],
    ['gateway', 'the gateway'],
    ...sources.map((s) => [s.id, s.name]),
  ]);
  const timers = new Set();
  let alive = true;
  const later = (fn, ms) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (alive) fn();
    }, ms);
    timers.add(t);
  };

  const reveal = h('div', { id: 'secret-panel' });
  const summary = h('div');
  const editor = h('div');
  const previewOut = h('div', { id: 'preview-result', 'aria-live': 'polite' });
  const testResult = h('div', { id: 'test-result', 'aria-live': 'polite' });
  const recoverOut = h('div', { id: 'recover-progress', 'aria-live': 'polite' });
  const detail = h('div', { id: 'message-detail' });
  let edit = null;

  async function loadSummary() {
    const stats = await api('GET', `${base}/stats`);
    summary.replaceChildren(
      dl([
        ['URL', endpoint.url],
        ['Status', badge(endpoint.status, STATUS_KIND[endpoint.status])],
        ['Disabled because', endpoint.disabledReason],
        ['Failing since', endpoint.failingSince ? fmtTime(endpoint.failingSince) : null],
        ['Event types', endpoint.eventTypes.join(', ')],
        [
          'Sources',
          endpoint.sources === '*'
            ? 'every source'
            : endpoint.sources.map((id) => sourceName.get(id) ?? id).join(', '),
        ],
        ['Filter', endpoint.filter ? `${endpoint.filter.rules?.length ?? 0} condition(s)` : 'none'],
        ['Transformation', endpoint.transformation ? 'yes' : 'none (default body)'],
        ['Timeout', `${endpoint.timeoutMs / 1000} s`],
        ['Rate limit', endpoint.rateLimit === null ? 'none' : `${endpoint.rateLimit} per second`],
        ['Concurrency', String(endpoint.concurrency)],
        [
          'Previous secret signs until',
          endpoint.previousSecretsExpireAt.length ? fmtTime(endpoint.previousSecretsExpireAt.at(-1)) : null,
        ],
      ]),
      h('h3', {}, 'Deliveries'),
      dl([
        ['Delivered', String(stats.delivered)],
        ['Failed', String(stats.failed)],
        ['Pending', String(stats.pending)],
        ['Success (24 h)', pct(stats.successRate24h)],
        ['Last success', fmtTime(stats.lastSuccessAt)],
        ['Last failure', fmtTime(stats.lastFailureAt)],
      ]),
      endpointActions(ctx, endpoint, {
        msg,
        reveal,
        onChange: reload,
        onDeleted: async () => {
          location.hash = '#/endpoints';
        },
      }),
    );
    return stats;
  }
  async function reload() {
    endpoint = await api('GET', base);
    await loadSummary();
    renderEditor();
  }
  function renderEditor() {
    edit = editForm(
      ctx,
      endpoint,
      { eventTypes, sources },
      {
        msg,
        onSaved: async (saved) => {
          endpoint = saved;
          await loadSummary();
        },
      },
    );
    editor.replaceChildren(edit.form);
  }

  // Preview: the filter (saved) and the transformation (as edited) on samples or recent events.
  const previewSource = h(
    'select',
    { id: 'pv-source', name: 'source' },
    h('option', { value: 'sample' }, 'Catalogue samples of the subscribed types'),
    h('option', { value: 'recent' }, 'The last 10 matching events received'),
  );
  const samples = new Map(eventTypes.map((t) => [`${t.source} ${t.type}`, t.sample]));
  const previewButton = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          const transformation = edit.transformation();
          if (transformation === undefined)
            throw new Error('The transformation is not valid JSON: fix it to preview it.');
          const { items } = await api('POST', `${base}/preview`, {
            source: previewSource.value,
            transformation,
          });
          showPreview(items, edit.filterChanged());
        } catch (err) {
          previewOut.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
        }
      },
    },
    'Preview',
  );
  function showPreview(items, filterChanged) {
    previewOut.replaceChildren(
      h(
        'div',
        {},
        filterChanged
          ? h(
              'p',
              { class: 'warn' },
              'The filter was changed but not saved: this preview uses the saved filter. Save the endpoint to preview the new one.',
            )
          : null,
        items.length === 0
          ? h('p', { class: 'muted' }, 'No event to preview: nothing matches the subscribed types yet.')
          : null,
        items.map((it, i) => {
          const id = `pv-${i}`;
          const event = it.eventId
            ? h(
                'p',
                {},
                h('a', { href: `#/events/${enc(it.eventId)}` }, `Event ${it.eventId}`),
                ' (received)',
              )
            : h(
                'pre',
                { class: 'code', tabindex: 0, 'aria-label': `Sample of ${it.eventType}` },
                pretty(samples.get(`${it.source} ${it.eventType}`) ?? null),
              );
          return h(
            'section',
            { class: 'preview-item', 'aria-labelledby': id },
            h(
              'h3',
              { id },
              `${it.eventType} (${it.source}): ${it.matched ? 'matched' : 'not matched'}`,
              ' ',
              badge(it.matched ? 'sent' : 'not sent', it.matched ? 'ok' : 'warn'),
            ),
            h(
              'div',
              { class: 'side-by-side' },
              h('div', {}, h('h4', {}, 'Event'), event),
              h(
                'div',
                {},
                h('h4', {}, it.matched ? 'Payload sent' : 'Payload (not sent: filtered out)'),
                it.error
                  ? h('p', { class: 'error' }, `The transformation fails: ${it.error}`)
                  : h(
                      'pre',
                      { class: 'code', tabindex: 0, 'aria-label': `Payload of ${it.eventType}` },
                      pretty(it.body),
                    ),
              ),
            ),
          );
        }),
      ),
    );
  }

  // Test send.
  const matches = (t) =>
    endpoint.eventTypes.some(
      (p) => p === '*' || p === t.type || (p.endsWith('*') && t.type.startsWith(p.slice(0, -1))),
    );
  const testable = eventTypes.filter(matches);
  const testType = h(
    'select',
    { id: 'test-type', name: 'eventType', disabled: !!ctx.writeBlocked },
    (testable.length ? testable : eventTypes).map((t) => h('option', { value: t.type }, t.type)),
  );
  const send = actionButton(ctx, 'Send test event', async () => {
    const attempt = await api('POST', `${base}/test`, { eventType: testType.value });
    const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    testResult.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'test-title' },
        h('h3', { id: 'test-title' }, ok ? 'Test delivered' : 'Test not delivered'),
        dl(attemptPairs(attempt)),
        attempt.responseBody
          ? h('pre', { class: 'code', tabindex: 0, 'aria-label': 'Response body' }, attempt.responseBody)
          : null,
      ),
    );
    await Promise.all([loadMessages(false), loadSummary()]);
  });

  // Recover: every failed message since a time, sent again by a background job; progress from the counts.
  const since = h('input', {
    id: 'rc-since',
    name: 'since',
    type: 'datetime-local',
    required: true,
    disabled: !!ctx.writeBlocked,
    value: toLocalInput(new Date(Date.now() - 86_400_000)),
  });
  const failedSince = h('p', { class: 'muted small', id: 'rc-count', 'aria-live': 'polite' });
  async function showFailedSince() {
    const from = localToIso(since);
    if (!from) return failedSince.replaceChildren();
    const n = await countMessages({ status: 'failed', from });
    failedSince.textContent =
      n === 0 ? 'No failed message since then.' : `${n} failed message${n === 1 ? '' : 's'} since then.`;
  }
  since.addEventListener('change', () => showFailedSince().catch(msg.error));
  const recover = actionButton(ctx, 'Recover failed messages', async () => {
    const from = localToIso(since);
    if (!from) throw new Error('Choose since when failed messages are sent again.');
    const total = await countMessages({ status: 'failed', from });
    if (total === 0) {
      recoverOut.replaceChildren(
        h('p', { class: 'muted' }, 'No failed message since then: nothing to send.'),
      );
      return;
    }
    await api('POST', `${base}/recover`, { since: from });
    const bar = h('progress', { id: 'recover-bar', max: total, value: 0 });
    const text = h('p', { id: 'recover-text' }, `Sending ${total} failed message(s) again…`);
    recoverOut.replaceChildren(h('label', { for: 'recover-bar' }, 'Recovery progress'), bar, text);
    const started = Date.now();
    const tick = async () => {
      const [failed, pending] = await Promise.all([
        countMessages({ status: 'failed', from }),
        countMessages({ status: 'pending', from }),
      ]);
      const requeued = Math.max(0, total - failed);
      bar.value = Math.max(0, requeued - pending);
      const done = pending === 0 && requeued >= total;
      if (done || Date.now() - started > 120_000) {
        text.textContent = done
          ? `Recovery done: ${total} message(s) sent again, ${total - failed} delivered.`
          : `Still working in the background: ${pending} pending, ${failed} failed. Refresh later.`;
        await Promise.all([loadMessages(false), loadSummary()]);
        return;
      }
      text.textContent = `Sending again: ${requeued - pending} of ${total} done, ${pending} pending.`;
      later(() => tick().catch(msg.error), POLL_MS);
    };
    later(() => tick().catch(msg.error), POLL_MS / 2);
  });
  async function countMessages(filters) {
    let n = 0;
    let cursor;
    for (let i = 0; i < 5; i++) {
      const page = await api('GET', `${base}/messages${query({ ...filters, limit: 200, cursor })}`);
      n += page.items.length;
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return n;
  }

  // Messages: filters, table, "Load more".
  const mStatus = h(
    'select',
    { id: 'mf-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    ['pending', 'delivered', 'failed'].map((s) => h('option', { value: s }, s)),
  );
  const mType = h('input', { id: 'mf-type', name: 'eventType', maxlength: 100, placeholder: 'NEW_PROJECT' });
  const mFrom = h('input', { id: 'mf-from', name: 'from', type: 'datetime-local' });
  const mTo = h('input', { id: 'mf-to', name: 'to', type: 'datetime-local' });
  const filterForm = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        loadMessages(false).catch(msg.error);
      },
    },
    field('mf-status', 'Message status', mStatus),
    field('mf-type', 'Of type', mType),
    field('mf-from', 'Created from', mFrom),
    field('mf-to', 'Created until', mTo),
    h('div', { class: 'field end' }, h('button', { type: 'submit', class: 'secondary' }, 'Apply')),
  );
  const tbody = h('tbody');
  const messagesTable = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, 'Messages to this endpoint, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Created', 'Event type', 'Status', 'Attempts', 'Last error', 'Actions'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      tbody,
    ),
  );
  const noMessages = h('p', { class: 'muted', hidden: true }, 'No messages match: send a test event above.');
  const more = h(
    'button',
    { type: 'button', class: 'secondary', hidden: true, onclick: () => loadMessages(true).catch(msg.error) },
    'Load more messages',
  );
  let cursor = null;

  async function loadMessages(append) {
    const page = await api(
      'GET',
      `${base}/messages${query({
        status: mStatus.value,
        eventType: mType.value.trim(),
        from: localToIso(mFrom),
        to: localToIso(mTo),
        limit: 50,
        cursor: append ? cursor : undefined,
      })}`,
    );
    const rows = page.items.map(messageRow);
    if (append) tbody.append(...rows);
    else tbody.replaceChildren(...rows);
    messagesTable.hidden = tbody.children.length === 0;
    noMessages.hidden = tbody.children.length > 0;
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    if (!append) await showFailedSince();
  }

  function retryButton(m, text) {
    return actionButton(
      ctx,
      [text, h('span', { class: 'sr-only' }, ` ${m.eventType} ${m.id}`)],
      () => retry(m),
      { class: 'secondary', disabled: m.status === 'delivered' },
    );
  }
  function messageRow(m) {
    return h(
      'tr',
      {},
      h('td', {}, fmtTime(m.createdAt)),
      h('td', {}, m.eventType),
      h('td', {}, badge(m.status, MESSAGE_KIND[m.status])),
      h('td', {}, String(m.attempts)),
      h('td', {}, m.lastError ?? '—'),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => showMessage(m.id).catch(msg.error) },
            'Attempts',
            h('span', { class: 'sr-only' }, ` of ${m.eventType} ${m.id}`),
          ),
          retryButton(m, 'Retry'),
        ),
      ),
    );
  }

  /** "Retry now": one attempt at once; waits (up to 30 s) for it to be recorded and shows the outcome. */
  async function retry(m) {
    const before = (await api('GET', `/messages/${enc(m.id)}`)).attemptList.length;
    await api('POST', `/messages/${enc(m.id)}/retry`);
    msg.info('Retry queued: one attempt is made now.');
    const started = Date.now();
    const check = async () => {
      const now = await api('GET', `/messages/${enc(m.id)}`);
      if (now.attemptList.length > before || now.status === 'delivered') {
        msg.info(
          now.status === 'delivered'
            ? `Retried: ${m.eventType} delivered.`
            : `Retried: not delivered (${now.lastError ?? 'see the attempts'}).`,
        );
        await Promise.all([loadMessages(false), loadSummary()]);
        if (detail.dataset.messageId === m.id) await showMessage(m.id);
        return;
      }
      if (Date.now() - started < 30_000) later(() => check().catch(msg.error), POLL_MS);
      else msg.info('The retry is still queued; refresh the messages later.');
    };
    later(() => check().catch(msg.error), POLL_MS / 2);
  }

  async function showMessage(id) {
    const m = await api('GET', `/messages/${enc(id)}`);
    let body = m.body;
    try {
      body = pretty(JSON.parse(m.body));
    } catch {
      // shown as sent
    }
    detail.dataset.messageId = m.id;
    detail.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'message-title' },
        h('h2', { id: 'message-title', tabindex: '-1' }, `Message ${m.id}`),
        dl([
          ['Event type', m.eventType],
          ['Status', badge(m.status, MESSAGE_KIND[m.status])],
          ['Created', fmtTime(m.createdAt)],
          ['Next attempt', fmtTime(m.nextAttemptAt)],
          ['Finished', fmtTime(m.finishedAt)],
          ['Last error', m.lastError],
        ]),
        h('div', { class: 'actions' }, retryButton(m, 'Retry now')),
        table({
          caption: 'Attempts',
          headers: ['Attempted', 'HTTP status', 'Latency', 'Error class', 'Error', 'Address used', 'Trigger'],
          rows: m.attemptList.map((a) => [
            fmtTime(a.attemptedAt),
            a.status === null ? '—' : String(a.status),
            `${a.latencyMs} ms`,
            a.errorClass ?? '—',
            a.error ?? '—',
            a.address ?? '—',
            a.trigger,
          ]),
          empty: 'No attempt yet.',
        }),
        m.attemptList.map((a, i) =>
          a.responseHeaders || a.responseBody
            ? h(
                'details',
                { class: 'optional' },
                h('summary', {}, `Response of attempt ${i + 1} (${fmtTime(a.attemptedAt)})`),
                a.responseHeaders
                  ? table({
                      caption: `Response headers of attempt ${i + 1}`,
                      hideCaption: true,
                      headers: ['Header', 'Value'],
                      rows: Object.entries(a.responseHeaders).map(([k, v]) => [h('code', {}, k), v]),
                    })
                  : null,
                a.responseBody
                  ? h(
                      'pre',
                      {
                        class: 'code',
                        tabindex: 0,
                        'aria-label': `Response body of attempt ${i + 1} (capped)`,
                      },
                      a.responseBody,
                    )
                  : null,
              )
            : null,
        ),
        h('h3', {}, 'Body sent'),
        h('pre', { class: 'code', tabindex: 0, 'aria-label': 'Body sent' }, body),
      ),
    );
    detail.querySelector('#message-title')?.focus();
  }

  root.append(
    h('p', {}, h('a', { href: '#/endpoints' }, '← All endpoints')),
    msg.el,
    reveal,
    card(label(endpoint), summary),
    h(
      'details',
      { class: 'card', id: 'edit-endpoint' },
      h('summary', { class: 'h2' }, 'Edit endpoint'),
      editor,
    ),
    card(
      'Preview filter and transformation',
      h(
        'p',
        { class: 'muted small' },
        'Applies the saved filter and the transformation as edited above, without sending anything.',
      ),
      h('div', { class: 'row-end' }, field('pv-source', 'Preview on', previewSource), previewButton),
      previewOut,
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        'Send a test event',
        h('div', { class: 'field' }, h('label', { for: 'test-type' }, 'Event type'), testType),
        send,
        testResult,
      ),
      card(
        'Recover failed messages',
        field(
          'rc-since',
          'Failed since',
          since,
          'Every message that failed since then is sent again, within the endpoint’s rate.',
        ),
        failedSince,
        recover,
        recoverOut,
      ),
    ),
    card('Messages', filterForm, messagesTable, noMessages, more),
    detail,
  );
  renderEditor();
  await Promise.all([loadSummary(), loadMessages(false)]);
  return () => {
    alive = false;
    for (const t of timers) clearTimeout(t);
  };
}
