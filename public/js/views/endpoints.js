// Outbound endpoints: where the gateway sends signed webhooks. List with stats; create (secret shown once);
// pause/resume; rotate the secret (grace period); delete with confirmation. An endpoint's page
// (#/endpoints/<id>): stats and actions; edit every setting (event types, sources, filter rows,
// transformation, headers, timeout, rate, concurrency, enabled); preview the filter and transformation on
// samples or recent events; send a test event; recover failed messages since a time (with progress);
// messages with filters and "Load more"; a message's attempts and "Retry now".
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
/** The flows' condition operators (src/modules/flows/conditions.ts). */
const OPERATORS = [
  '==',
  '!=',
  '>',
  '<',
  '>=',
  '<=',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'in',
  'not_in',
  'exists',
  'not_exists',
  'matches',
];
const GRACE_CHOICES = [
  ['0', 'Stops at once'],
  ['3600', '1 hour'],
  ['21600', '6 hours'],
  ['86400', '1 day'],
  ['172800', '2 days'],
  ['259200', '3 days'],
  ['604800', '7 days'],
];
const POLL_MS = 1_000;

const pct = (r) => (r === null || r === undefined ? '—' : `${Math.round(r * 100)} %`);
const label = (e) => e.description || e.url;
const pretty = (v) => JSON.stringify(v, null, 2);
const enc = encodeURIComponent;

export async function render(ctx, root, [endpointId]) {
  if (endpointId) return renderDetail(ctx, root, endpointId);
  const msg = messageArea();
  const reveal = h('div', { id: 'secret-panel' });
  const list = h('div');
  const [{ items: eventTypes }, { items: sources }] = await Promise.all([
    api('GET', '/event-types'),
    api('GET', '/sources'),
  ]);
  const form = createForm(
    ctx,
    eventTypes,
    new Map(sources.map((s) => [s.id, s.name])),
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
            { href: `#/endpoints/${enc(e.id)}` },
            label(e),
            e.description ? h('span', { class: 'muted small' }, ` ${e.url}`) : null,
          ),
          e.eventTypes.join(', '),
          badge(e.status, STATUS_KIND[e.status]),
          String(stats[i].delivered),
          String(stats[i].failed),
          String(stats[i].pending),
          pct(stats[i].successRate24h),
          endpointActions(ctx, e, { msg, reveal, onChange: load, onDeleted: load }),
        ]),
        empty: 'No endpoints yet: create one below.',
      }),
    );
  }

  await load();
}

/** Pause/resume, rotate secret (with a grace period), delete (asks first): on the list and on an endpoint's page. */
function endpointActions(ctx, e, { msg, reveal, onChange, onDeleted }) {
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
        await onChange();
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
          GRACE_CHOICES.map(([v, t]) => h('option', { value: v, selected: v === '86400' }, t)),
        );
        const ok = await confirmDialog({
          title: `Rotate the secret of ${name}?`,
          text: 'A new secret signs every delivery from now on. Update the receiver; the old one also signs for:',
          body: h('div', { class: 'field' }, h('label', { for: 'grace' }, 'Old secret keeps signing'), grace),
          confirm: 'Rotate',
        });
        if (!ok) return;
        const rotated = await api('POST', `/endpoints/${e.id}/rotate-secret`, {
          graceSeconds: Number(grace.value),
        });
        showSecret(reveal, rotated, 'Secret rotated');
        await onChange();
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
        await onDeleted();
      },
      { class: 'danger' },
    ),
  );
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
      endpoint.previousSecretsExpireAt?.length
        ? h(
            'p',
            { class: 'muted' },
            `The previous secret also signs until ${fmtTime(endpoint.previousSecretsExpireAt.at(-1))}.`,
          )
        : null,
      h(
        'p',
        { class: 'muted' },
        'Deliveries are signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). ',
        h('a', { href: `#/endpoints/${enc(endpoint.id)}` }, 'Send a test event'),
        '.',
      ),
    ),
  );
  panel.querySelector('#endpoint-secret')?.focus();
}

/** A labelled control with optional help text. */
function field(id, text, control, help) {
  if (help) control.setAttribute('aria-describedby', `${id}-help`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, text),
    control,
    help ? h('p', { class: 'muted small', id: `${id}-help` }, help) : null,
  );
}

/**
 * The event-type picker: checkboxes by source, plus a text field for patterns not in the catalogue
 * (prefix wildcards such as TIME_ENTRY_*). `value()` is the list to save.
 */
function eventTypePicker(eventTypes, selected, { blocked, prefix, legend = 'Event types', sourceNames }) {
  const known = new Set(eventTypes.map((t) => t.type));
  const bySource = new Map();
  for (const t of eventTypes) {
    if (!bySource.has(t.source)) bySource.set(t.source, []);
    bySource.get(t.source).push(t);
  }
  const boxes = [];
  const box = (value, text, title) => {
    const id = `${prefix}-type-${value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const input = h('input', {
      type: 'checkbox',
      id,
      name: 'eventTypes',
      value,
      disabled: blocked,
      checked: selected.includes(value),
    });
    boxes.push(input);
    return h('div', { class: 'check' }, input, h('label', { for: id, title }, text));
  };
  const others = h('input', {
    id: `${prefix}-patterns`,
    name: 'patterns',
    maxlength: 2000,
    autocomplete: 'off',
    disabled: blocked,
    placeholder: 'e.g. TIME_ENTRY_*',
    value: selected.filter((s) => s !== '*' && !known.has(s)).join(', '),
  });
  const el = h(
    'fieldset',
    { class: 'event-picker' },
    h('legend', {}, legend),
    box('*', 'Every event (*)'),
    [...bySource].map(([source, types]) =>
      h(
        'div',
        { class: 'group' },
        h(
          'p',
          { class: 'muted small' },
          source === 'clockify'
            ? 'Clockify'
            : source === 'gateway'
              ? 'The gateway'
              : (sourceNames.get(source) ?? source),
        ),
        types.map((t) => box(t.type, t.type, t.description)),
      ),
    ),
    field(
      `${prefix}-patterns`,
      'Other patterns (comma-separated)',
      others,
      'Prefix wildcards such as TIME_ENTRY_* match every type that starts so.',
    ),
  );
  return {
    el,
    value() {
      const chosen = [
        ...boxes.filter((b) => b.checked).map((b) => b.value),
        ...others.value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ];
      return chosen.includes('*') ? ['*'] : [...new Set(chosen)];
    },
  };
}

/** The create form: URL, description, event types (checkboxes by source), rate limit, concurrency. */
function createForm(ctx, eventTypes, sourceNames, onCreated, msg) {
  const blocked = !!ctx.writeBlocked;
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
  const picker = eventTypePicker(eventTypes, [], { blocked, prefix: 'ep', sourceNames });
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
        const chosen = picker.value();
        if (chosen.length === 0) return msg.error('Choose at least one event type.');
        const body = {
          url: url.value.trim(),
          description: description.value,
          eventTypes: chosen,
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
    picker.el,
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

/** Parses a condition value as JSON when it is JSON (numbers, true, null, lists), else keeps the text. */
function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The filter as condition rows (path, operator, value), like the flows' editor; a filter with nested
 * groups is edited as JSON instead. `value()` is the filter to save (null: every event passes).
 */
function filterEditor(filter, reason) {
  const blocked = !!reason;
  const flat = !filter || (Array.isArray(filter.rules) && filter.rules.every((r) => !('rules' in r)));
  if (!flat) {
    const text = h(
      'textarea',
      {
        id: 'ed-filter-json',
        rows: 8,
        spellcheck: 'false',
        disabled: blocked,
      },
      pretty(filter),
    );
    return {
      el: field('ed-filter-json', 'Filter (JSON: nested condition groups)', text),
      value: () => (text.value.trim() ? JSON.parse(text.value) : null),
    };
  }
  const mode = h(
    'select',
    { id: 'ed-filter-mode', name: 'mode', disabled: blocked },
    h('option', { value: 'ALL', selected: filter?.mode !== 'ANY' }, 'All must hold'),
    h('option', { value: 'ANY', selected: filter?.mode === 'ANY' }, 'Any may hold'),
  );
  const rows = h('tbody');
  let seq = 0;
  const empty = h('p', { class: 'muted small' }, 'No condition: every event of the chosen types is sent.');
  const refresh = () => (empty.hidden = rows.children.length > 0);
  function addRow(rule = { path: '$.webhook.', op: '==' }) {
    const n = ++seq;
    const path = h('input', {
      value: rule.path,
      'aria-label': `Filter condition ${n} path`,
      class: 'cond-path',
      disabled: blocked,
      spellcheck: 'false',
    });
    const op = h(
      'select',
      { 'aria-label': `Filter condition ${n} operator`, class: 'cond-op', disabled: blocked },
      OPERATORS.map((o) => h('option', { value: o, selected: o === rule.op }, o)),
    );
    const value = h('input', {
      value:
        rule.value === undefined
          ? ''
          : typeof rule.value === 'string'
            ? rule.value
            : JSON.stringify(rule.value),
      'aria-label': `Filter condition ${n} value`,
      class: 'cond-value',
      disabled: blocked,
      spellcheck: 'false',
    });
    const tr = h(
      'tr',
      {},
      h('td', {}, path),
      h('td', {}, op),
      h('td', {}, value),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: blocked,
            title: reason,
            onclick: () => {
              tr.remove();
              refresh();
            },
          },
          'Remove',
          h('span', { class: 'sr-only' }, ` filter condition ${n}`),
        ),
      ),
    );
    tr.rule = () => {
      const r = { path: path.value.trim(), op: op.value };
      if (op.value !== 'exists' && op.value !== 'not_exists') r.value = parseValue(value.value);
      if (rule.caseInsensitive !== undefined) r.caseInsensitive = rule.caseInsensitive;
      return r;
    };
    rows.append(tr);
    refresh();
    return path;
  }
  for (const r of filter?.rules ?? []) addRow(r);
  refresh();
  const el = h(
    'fieldset',
    { class: 'filter-rows' },
    h('legend', {}, 'Filter'),
    h(
      'p',
      { class: 'muted small' },
      'Paths read the event: $.webhook.<field> (its body), $.event.type, $.event.source.',
    ),
    field('ed-filter-mode', 'Conditions', mode),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'sr-only' }, 'Filter conditions'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Path', 'Operator', 'Value', ''].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        rows,
      ),
    ),
    empty,
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        disabled: blocked,
        title: reason,
        onclick: () => addRow().focus(),
      },
      'Add filter condition',
    ),
  );
  return {
    el,
    value() {
      const rules = [...rows.children].map((tr) => tr.rule());
      return rules.length ? { mode: mode.value, rules } : null;
    },
  };
}

/** JSON with sorted keys: compares two filters whatever their key order. */
function stable(v) {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** "Name: value" lines ⇄ a headers object. */
const headersText = (headers) =>
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
function parseHeaders(text) {
  const out = {};
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at <= 0) throw new Error(`Custom headers, line ${i + 1}: write it as "Name: value".`);
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** The transformation textarea's value: null when empty (the default body), else its JSON. */
function parseTransformation(text) {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`The transformation is not valid JSON: ${err.message}`);
  }
}

/** The edit form of an endpoint: every setting the API has. */
function editForm(ctx, endpoint, { eventTypes, sources }, { msg, onSaved }) {
  const blocked = !!ctx.writeBlocked;
  /** The endpoint as last saved (what "changed" is measured against). */
  let current = endpoint;
  const url = h('input', {
    id: 'ed-url',
    name: 'url',
    type: 'url',
    required: true,
    maxlength: 4096,
    value: endpoint.url,
  });
  const description = h('input', {
    id: 'ed-desc',
    name: 'description',
    maxlength: 500,
    autocomplete: 'off',
    value: endpoint.description,
  });
  const picker = eventTypePicker(eventTypes, endpoint.eventTypes, {
    blocked,
    prefix: 'ed',
    legend: 'Subscribed events',
    sourceNames: new Map(sources.map((s) => [s.id, s.name])),
  });

  // Sources: every source, or some of them (Clockify, custom sources, the gateway's own events).
  const allSources = endpoint.sources === '*';
  const sourceBoxes = [];
  const sourceBox = (value, text) => {
    const id = `ed-src-${value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const input = h('input', {
      type: 'checkbox',
      id,
      value,
      disabled: blocked || allSources,
      checked: !allSources && endpoint.sources.includes(value),
    });
    sourceBoxes.push(input);
    return h('div', { class: 'check' }, input, h('label', { for: id }, text));
  };
  const every = h('input', { type: 'checkbox', id: 'ed-src-all', checked: allSources, disabled: blocked });
  every.addEventListener('change', () => {
    for (const b of sourceBoxes) b.disabled = blocked || every.checked;
  });
  const sourcesField = h(
    'fieldset',
    { class: 'event-picker' },
    h('legend', {}, 'Sources'),
    h('div', { class: 'check' }, every, h('label', { for: 'ed-src-all' }, 'Every source')),
    h(
      'div',
      { class: 'group' },
      sourceBox('clockify', 'Clockify'),
      sources.map((s) => sourceBox(s.id, s.name)),
      sourceBox('gateway', 'The gateway’s own events'),
    ),
  );

  const filter = filterEditor(endpoint.filter, ctx.writeBlocked);
  const transformation = h(
    'textarea',
    {
      id: 'ed-transformation',
      name: 'transformation',
      rows: 6,
      spellcheck: 'false',
      disabled: blocked,
      placeholder: '{ "text": "New project: {{ webhook.name }}" }',
    },
    endpoint.transformation === null ? '' : pretty(endpoint.transformation),
  );
  const headers = h(
    'textarea',
    {
      id: 'ed-headers',
      name: 'headers',
      rows: 3,
      spellcheck: 'false',
      disabled: blocked,
      placeholder: 'X-Team: billing',
    },
    headersText(endpoint.headers),
  );
  const num = (id, name, value, min, max, required = true) =>
    h('input', { id, name, type: 'number', min, max, required, disabled: blocked, value: value ?? '' });
  const timeout = num('ed-timeout', 'timeout', endpoint.timeoutMs / 1000, 1, 30);
  const rate = num('ed-rate', 'rateLimit', endpoint.rateLimit, 1, 50, false);
  const concurrency = num('ed-conc', 'concurrency', endpoint.concurrency, 1, 100);
  const enabled = h('input', {
    type: 'checkbox',
    id: 'ed-enabled',
    name: 'enabled',
    disabled: blocked,
    checked: endpoint.status === 'enabled',
  });
  const submit = h('button', { type: 'submit', disabled: blocked, title: ctx.writeBlocked }, 'Save endpoint');

  const form = h(
    'form',
    {
      class: 'stack wide',
      onsubmit: async (e) => {
        e.preventDefault();
        let body;
        try {
          const eventTypes = picker.value();
          if (eventTypes.length === 0) throw new Error('Choose at least one event type.');
          const chosenSources = sourceBoxes.filter((b) => b.checked).map((b) => b.value);
          if (!every.checked && chosenSources.length === 0)
            throw new Error('Choose at least one source, or every source.');
          body = {
            url: url.value.trim(),
            description: description.value,
            eventTypes,
            sources: every.checked ? '*' : chosenSources,
            filter: filter.value(),
            transformation: parseTransformation(transformation.value),
            headers: parseHeaders(headers.value),
            timeoutMs: Math.round(Number(timeout.value) * 1000),
            rateLimit: rate.value ? Number(rate.value) : null,
            concurrency: Number(concurrency.value),
          };
          // Only a change of the switch is sent: re-enabling is explicit.
          if (enabled.checked !== (current.status === 'enabled')) body.enabled = enabled.checked;
        } catch (err) {
          return msg.error(err);
        }
        submit.disabled = true;
        try {
          const saved = await api('PATCH', `/endpoints/${endpoint.id}`, body);
          current = saved;
          msg.info('Endpoint saved.');
          await onSaved(saved);
        } catch (err) {
          msg.error(err);
        } finally {
          if (submit.isConnected) submit.disabled = blocked;
        }
      },
    },
    field('ed-url', 'Endpoint URL', url, 'https:// URL of the receiver; private addresses are refused.'),
    field('ed-desc', 'Description', description),
    picker.el,
    sourcesField,
    filter.el,
    field(
      'ed-transformation',
      'Transformation (JSON template, optional)',
      transformation,
      'Builds the body from the event with {{ … }} templates (webhook, event, workspace). Empty: { type, timestamp, workspaceId, data }.',
    ),
    field(
      'ed-headers',
      'Custom headers',
      headers,
      'One "Name: value" per line; the signature headers are set by the gateway.',
    ),
    h(
      'div',
      { class: 'grid' },
      field('ed-timeout', 'Timeout (seconds)', timeout, '1–30; 15 by default.'),
      field('ed-rate', 'Rate limit per second', rate, '1–50; empty for no limit.'),
      field('ed-conc', 'Concurrent deliveries', concurrency, '1–100.'),
    ),
    h(
      'div',
      { class: 'field check' },
      enabled,
      h('label', { for: 'ed-enabled' }, 'Enabled (unticked: paused, messages wait)'),
    ),
    blocked ? h('p', { class: 'muted small' }, ctx.writeBlocked) : null,
    submit,
  );
  for (const el of [url, description]) el.disabled = blocked;
  return {
    form,
    /** The transformation being edited (for the preview), or undefined when it is not valid JSON. */
    transformation() {
      try {
        return parseTransformation(transformation.value);
      } catch {
        return undefined;
      }
    },
    filterChanged: () => stable(filter.value()) !== stable(current.filter ?? null),
  };
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

/** From a datetime-local input (the viewer's zone) to UTC ISO. */
const localToIso = (input) => (input.value ? new Date(input.value).toISOString() : undefined);
/** A Date as a datetime-local value in the viewer's zone. */
function toLocalInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** One endpoint: stats and actions, edit, preview, test, recover, messages and their attempts. */
async function renderDetail(ctx, root, endpointId) {
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
