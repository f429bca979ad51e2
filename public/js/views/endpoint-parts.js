// Parts of the outbound endpoints view shared by its list (endpoints.js) and an endpoint's page
// (endpoint-detail.js): row actions (pause/resume, rotate with a grace period, delete), the secret shown
// once, the event-type picker, the create form and the edit form (filter rows, transformation, headers…).
import { OPERATORS } from '../operators.js';
import { api } from '../api.js';
import { actionButton, confirmDialog, copyField, fmtTime, h } from '../ui.js';

export const STATUS_KIND = { enabled: 'ok', paused: 'warn', disabled: 'failed' };
export const MESSAGE_KIND = { delivered: 'ok', pending: 'queued', failed: 'failed' };
const GRACE_CHOICES = [
  ['0', 'Stops at once'],
  ['3600', '1 hour'],
  ['21600', '6 hours'],
  ['86400', '1 day'],
  ['172800', '2 days'],
  ['259200', '3 days'],
  ['604800', '7 days'],
];
export const pct = (r) => (r === null || r === undefined ? '—' : `${Math.round(r * 100)} %`);
export const label = (e) => e.description || e.url;
export const pretty = (v) => JSON.stringify(v, null, 2);
const enc = encodeURIComponent;

/** Pause/resume, rotate secret (with a grace period), delete (asks first): on the list and on an endpoint's page. */
export function endpointActions(ctx, e, { msg, reveal, onChange, onDeleted }) {
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
        reveal.replaceChildren();
        // Announced once the list no longer shows it, so the message and the page agree.
        await onDeleted();
        msg.info(`${name} deleted.`);
      },
      { class: 'danger' },
    ),
  );
}

/** The signing secret, once, after create or rotate. */
export function showSecret(panel, endpoint, title) {
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
export function field(id, text, control, help) {
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
export function eventTypePicker(
  eventTypes,
  selected,
  { blocked, prefix, legend = 'Event types', sourceNames },
) {
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
export function createForm(ctx, eventTypes, sourceNames, onCreated, msg) {
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
export function editForm(ctx, endpoint, { eventTypes, sources }, { msg, onSaved }) {
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
