// Outbound endpoints: where the gateway sends signed webhooks. List with stats; create (secret shown once);
// pause/resume; rotate the secret; delete with confirmation. An endpoint's page (#/endpoints/<id>): send a
// test event and see the attempt; messages with their attempts; retry a message.
import { api, query } from '../api.js';
import {
  actionButton,
  badge,
  card,
  confirmDialog,
  copyField,
  dl,
  fmtTime,
  h,
  messageArea,
  table,
} from '../ui.js';

const STATUS_KIND = { enabled: 'ok', paused: 'warn', disabled: 'failed' };
const MESSAGE_KIND = { delivered: 'ok', pending: 'queued', failed: 'failed' };

const pct = (r) => (r === null || r === undefined ? '—' : `${Math.round(r * 100)} %`);
const label = (e) => e.description || e.url;

export async function render(ctx, root, [endpointId]) {
  if (endpointId) return renderDetail(ctx, root, endpointId);
  const msg = messageArea();
  const reveal = h('div', { id: 'secret-panel' });
  const list = h('div');
  const { items: eventTypes } = await api('GET', '/event-types');
  const form = createForm(
    ctx,
    eventTypes,
    async (created) => {
      showSecret(reveal, created, 'Endpoint created');
      await load();
    },
    msg,
  );
  root.append(msg.el, reveal, card('Your endpoints', list), card('New endpoint', form));

  async function load() {
    const { items } = await api('GET', '/endpoints');
    const stats = await Promise.all(items.map((e) => api('GET', `/endpoints/${e.id}/stats`)));
    list.replaceChildren(
      table({
        caption: 'Outbound webhook endpoints of this workspace',
        hideCaption: true,
        headers: [
          'Endpoint',
          'Events',
          'Status',
          'Delivered',
          'Failed',
          'Pending',
          'Success 24 h',
          'Actions',
        ],
        rows: items.map((e, i) => [
          h(
            'a',
            { href: `#/endpoints/${encodeURIComponent(e.id)}` },
            label(e),
            e.description ? h('span', { class: 'muted small' }, ` ${e.url}`) : null,
          ),
          e.eventTypes.join(', '),
          badge(e.status, STATUS_KIND[e.status]),
          String(stats[i].delivered),
          String(stats[i].failed),
          String(stats[i].pending),
          pct(stats[i].successRate24h),
          actions(e),
        ]),
        empty: 'No endpoints yet: create one below.',
      }),
    );
  }

  function actions(e) {
    const name = label(e);
    const paused = e.status !== 'enabled';
    return h(
      'div',
      { class: 'actions' },
      actionButton(
        ctx,
        [paused ? 'Resume' : 'Pause', h('span', { class: 'sr-only' }, ` ${name}`)],
        async () => {
          await api('POST', `/endpoints/${e.id}/${paused ? 'resume' : 'pause'}`);
          msg.info(
            paused
              ? `${name} resumed: waiting messages are sent.`
              : `${name} paused: new messages wait until it is resumed.`,
          );
          await load();
        },
        { class: 'secondary' },
      ),
      actionButton(
        ctx,
        ['Rotate secret', h('span', { class: 'sr-only' }, ` of ${name}`)],
        async () => {
          const grace = h(
            'select',
            { id: 'grace', name: 'grace' },
            h('option', { value: '0' }, 'Stops at once'),
            h('option', { value: '3600' }, '1 hour'),
            h('option', { value: '86400', selected: true }, '1 day'),
            h('option', { value: '604800' }, '7 days'),
          );
          const ok = await confirmDialog({
            title: `Rotate the secret of ${name}?`,
            text: 'A new secret signs every delivery from now on. Update the receiver; the old one also signs for:',
            body: h(
              'div',
              { class: 'field' },
              h('label', { for: 'grace' }, 'Old secret keeps signing'),
              grace,
            ),
            confirm: 'Rotate',
          });
          if (!ok) return;
          const rotated = await api('POST', `/endpoints/${e.id}/rotate-secret`, {
            graceSeconds: Number(grace.value),
          });
          showSecret(reveal, rotated, 'Secret rotated');
          await load();
        },
        { class: 'secondary' },
      ),
      actionButton(
        ctx,
        ['Delete', h('span', { class: 'sr-only' }, ` ${name}`)],
        async () => {
          const ok = await confirmDialog({
            title: `Delete ${name}?`,
            text: 'Nothing more is sent to it. Its messages and attempts are deleted with it.',
            confirm: 'Delete',
            danger: true,
          });
          if (!ok) return;
          await api('DELETE', `/endpoints/${e.id}`);
          msg.info(`${name} deleted.`);
          reveal.replaceChildren();
          await load();
        },
        { class: 'danger' },
      ),
    );
  }

  await load();
}

/** The signing secret, once, after create or rotate. */
function showSecret(panel, endpoint, title) {
  panel.replaceChildren(
    h(
      'section',
      { class: 'card reveal', 'aria-labelledby': 'reveal-title' },
      h('h2', { id: 'reveal-title' }, `${title}: ${label(endpoint)}`),
      h('p', { class: 'warn' }, 'Copy the signing secret now: it is not shown again.'),
      copyField('Signing secret', endpoint.secret, { id: 'endpoint-secret' }),
      h(
        'p',
        { class: 'muted' },
        'Deliveries are signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). ',
        h('a', { href: `#/endpoints/${encodeURIComponent(endpoint.id)}` }, 'Send a test event'),
        '.',
      ),
    ),
  );
  panel.querySelector('#endpoint-secret')?.focus();
}

/** The create form: URL, description, event types (checkboxes by source), rate limit, concurrency. */
function createForm(ctx, eventTypes, onCreated, msg) {
  const blocked = !!ctx.writeBlocked;
  const field = (id, text, control, help) => {
    if (help) control.setAttribute('aria-describedby', `${id}-help`);
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, text),
      control,
      help ? h('p', { class: 'muted small', id: `${id}-help` }, help) : null,
    );
  };
  const url = h('input', { id: 'ep-url', name: 'url', type: 'url', required: true, maxlength: 4096 });
  const description = h('input', { id: 'ep-desc', name: 'description', maxlength: 500, autocomplete: 'off' });
  const rate = h('input', { id: 'ep-rate', name: 'rateLimit', type: 'number', min: 1, max: 50 });
  const concurrency = h('input', {
    id: 'ep-conc',
    name: 'concurrency',
    type: 'number',
    min: 1,
    max: 100,
    value: '10',
    required: true,
  });
  const bySource = new Map();
  for (const t of eventTypes) {
    if (!bySource.has(t.source)) bySource.set(t.source, []);
    bySource.get(t.source).push(t);
  }
  const boxes = [];
  const box = (value, text, title) => {
    const id = `ep-type-${value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const input = h('input', { type: 'checkbox', id, name: 'eventTypes', value, disabled: blocked });
    boxes.push(input);
    return h('div', { class: 'check' }, input, h('label', { for: id, title }, text));
  };
  const picker = h(
    'fieldset',
    { class: 'event-picker' },
    h('legend', {}, 'Event types'),
    box('*', 'Every event (*)'),
    [...bySource].map(([source, types]) =>
      h(
        'div',
        { class: 'group' },
        h('p', { class: 'muted small' }, source === 'clockify' ? 'Clockify' : source),
        types.map((t) => box(t.type, t.type, t.description)),
      ),
    ),
  );
  const submit = h(
    'button',
    { type: 'submit', disabled: blocked, title: ctx.writeBlocked },
    'Create endpoint',
  );
  const form = h(
    'form',
    {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
        if (chosen.length === 0) return msg.error('Choose at least one event type.');
        const body = {
          url: url.value.trim(),
          description: description.value,
          eventTypes: chosen.includes('*') ? ['*'] : chosen,
          rateLimit: rate.value ? Number(rate.value) : null,
          concurrency: Number(concurrency.value),
        };
        submit.disabled = true;
        try {
          const created = await api('POST', '/endpoints', body);
          msg.clear();
          form.reset();
          await onCreated(created);
        } catch (err) {
          msg.error(err);
        } finally {
          submit.disabled = blocked;
        }
      },
    },
    field('ep-url', 'Endpoint URL', url, 'https:// URL of the receiver; private addresses are refused.'),
    field('ep-desc', 'Description (optional)', description),
    picker,
    h(
      'div',
      { class: 'grid' },
      field('ep-rate', 'Rate limit per second (optional)', rate, '1–50; empty for no limit.'),
      field('ep-conc', 'Concurrent deliveries', concurrency, '1–100.'),
    ),
    blocked ? h('p', { class: 'muted small' }, ctx.writeBlocked) : null,
    submit,
  );
  for (const el of [url, description, rate, concurrency]) el.disabled = blocked;
  return form;
}

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

/** One endpoint: details, stats, a test send, messages and their attempts. */
async function renderDetail(ctx, root, endpointId) {
  const msg = messageArea();
  const [endpoint, stats, { items: eventTypes }] = await Promise.all([
    api('GET', `/endpoints/${encodeURIComponent(endpointId)}`),
    api('GET', `/endpoints/${encodeURIComponent(endpointId)}/stats`),
    api('GET', '/event-types'),
  ]);
  const base = `/endpoints/${endpoint.id}`;
  const testResult = h('div', { id: 'test-result', 'aria-live': 'polite' });
  const messages = h('div');
  const detail = h('div', { id: 'message-detail' });

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
    await loadMessages();
  });

  root.append(
    h('p', {}, h('a', { href: '#/endpoints' }, '← All endpoints')),
    msg.el,
    card(
      label(endpoint),
      dl([
        ['URL', endpoint.url],
        ['Status', badge(endpoint.status, STATUS_KIND[endpoint.status])],
        ['Disabled because', endpoint.disabledReason],
        ['Event types', endpoint.eventTypes.join(', ')],
        ['Rate limit', endpoint.rateLimit === null ? 'none' : `${endpoint.rateLimit} per second`],
        ['Concurrency', String(endpoint.concurrency)],
        ['Delivered / failed / pending', `${stats.delivered} / ${stats.failed} / ${stats.pending}`],
        ['Success (24 h)', pct(stats.successRate24h)],
        ['Last success', fmtTime(stats.lastSuccessAt)],
        ['Last failure', fmtTime(stats.lastFailureAt)],
      ]),
    ),
    card(
      'Send a test event',
      h('div', { class: 'field' }, h('label', { for: 'test-type' }, 'Event type'), testType),
      send,
      testResult,
    ),
    card('Messages', messages),
    detail,
  );

  async function loadMessages() {
    const { items } = await api('GET', `${base}/messages${query({ limit: 50 })}`);
    messages.replaceChildren(
      table({
        caption: 'Messages to this endpoint, newest first',
        hideCaption: true,
        headers: ['Created', 'Event type', 'Status', 'Attempts', 'Last error', 'Actions'],
        rows: items.map((m) => [
          fmtTime(m.createdAt),
          m.eventType,
          badge(m.status, MESSAGE_KIND[m.status]),
          String(m.attempts),
          m.lastError,
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => showMessage(m.id).catch(msg.error) },
              'Attempts',
              h('span', { class: 'sr-only' }, ` of ${m.eventType} ${m.id}`),
            ),
            actionButton(
              ctx,
              ['Retry', h('span', { class: 'sr-only' }, ` ${m.eventType} ${m.id}`)],
              async () => {
                await api('POST', `/messages/${m.id}/retry`);
                msg.info('Retry queued: one attempt is made now.');
                await loadMessages();
              },
              { class: 'secondary', disabled: m.status === 'pending' },
            ),
          ),
        ]),
        empty: 'No messages yet: send a test event above.',
      }),
    );
  }

  async function showMessage(id) {
    const m = await api('GET', `/messages/${encodeURIComponent(id)}`);
    let pretty = m.body;
    try {
      pretty = JSON.stringify(JSON.parse(m.body), null, 2);
    } catch {
      // shown as sent
    }
    detail.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'message-title' },
        h('h2', { id: 'message-title', tabindex: '-1' }, `Message ${m.id}`),
        dl([
          ['Event type', m.eventType],
          ['Status', badge(m.status, MESSAGE_KIND[m.status])],
          ['Next attempt', fmtTime(m.nextAttemptAt)],
          ['Finished', fmtTime(m.finishedAt)],
        ]),
        table({
          caption: 'Attempts',
          headers: ['Attempted', 'HTTP status', 'Latency', 'Error', 'Trigger'],
          rows: m.attemptList.map((a) => [
            fmtTime(a.attemptedAt),
            a.status === null ? '—' : String(a.status),
            `${a.latencyMs} ms`,
            a.error ? `${a.errorClass ?? ''} ${a.error}`.trim() : '—',
            a.trigger,
          ]),
          empty: 'No attempt yet.',
        }),
        h('h3', {}, 'Body sent'),
        h('pre', { class: 'code', tabindex: 0, 'aria-label': 'Body sent' }, pretty),
      ),
    );
    detail.querySelector('#message-title')?.focus();
  }

  await loadMessages();
}
