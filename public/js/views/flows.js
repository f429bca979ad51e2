// Flows: list with enable/disable and delete; install from a template (a form from its inputs). A flow's page
// (#/flows/<id>): editor (trigger events, condition rows, actions as JSON), dry run against a sample body
// (each condition's result, each rendered request), executions and their step trace.
import { api, query } from '../api.js';
import { actionButton, badge, card, confirmDialog, dl, fmtTime, h, messageArea, table } from '../ui.js';

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
const UNARY = new Set(['exists', 'not_exists']);
const EXEC_KIND = {
  queued: 'queued',
  running: 'running',
  waiting: 'queued',
  succeeded: 'succeeded',
  failed: 'failed',
  outcome_unknown: 'warn',
};
const json = (v) => JSON.stringify(v, null, 2);
/** A wide table that may scroll sideways: reachable from the keyboard. */
const scrollable = (el, label) => {
  if (el.classList.contains('table-wrap'))
    for (const [k, v] of Object.entries({ tabindex: '0', role: 'region', 'aria-label': label }))
      el.setAttribute(k, v);
  return el;
};
const show = (v) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

export async function render(ctx, root, [flowId]) {
  if (flowId) return renderDetail(ctx, root, flowId);
  const msg = messageArea();
  const list = h('div');
  const { items: templates } = await api('GET', '/flow-templates');
  root.append(msg.el, card('Your flows', list), card('Install a template', installForm(ctx, templates, msg)));

  async function load() {
    const { items } = await api('GET', '/flows');
    list.replaceChildren(
      table({
        caption: 'Flows of this workspace',
        hideCaption: true,
        headers: ['Name', 'Trigger', 'Status', 'Version', 'Updated', 'Actions'],
        rows: items.map((f) => [
          h('a', { href: `#/flows/${encodeURIComponent(f.id)}` }, f.name),
          f.trigger.events.join(', '),
          f.enabled ? badge('enabled', 'ok') : badge('disabled', 'warn'),
          String(f.version),
          fmtTime(f.updatedAt),
          h(
            'div',
            { class: 'actions' },
            actionButton(
              ctx,
              [f.enabled ? 'Disable' : 'Enable', h('span', { class: 'sr-only' }, ` ${f.name}`)],
              async () => {
                await api('POST', `/flows/${f.id}/${f.enabled ? 'disable' : 'enable'}`);
                msg.info(`${f.name} ${f.enabled ? 'disabled' : 'enabled'}.`);
                await load();
              },
              { class: 'secondary' },
            ),
            actionButton(
              ctx,
              ['Delete', h('span', { class: 'sr-only' }, ` ${f.name}`)],
              async () => {
                const ok = await confirmDialog({
                  title: `Delete ${f.name}?`,
                  text: 'It stops running at once; its versions and executions are deleted with it.',
                  confirm: 'Delete',
                  danger: true,
                });
                if (!ok) return;
                await api('DELETE', `/flows/${f.id}`);
                msg.info(`${f.name} deleted.`);
                await load();
              },
              { class: 'danger' },
            ),
          ),
        ]),
        empty: 'No flows yet: install a template below.',
      }),
    );
  }
  await load();
}

/** A template picker and a form built from the chosen template's inputs. */
function installForm(ctx, templates, msg) {
  const blocked = !!ctx.writeBlocked;
  const pick = h(
    'select',
    { id: 'tpl', name: 'template', disabled: blocked },
    templates.map((t) => h('option', { value: t.id }, t.name)),
  );
  pick.setAttribute('aria-describedby', 'tpl-desc');
  const description = h('p', { class: 'muted', id: 'tpl-desc' });
  const fields = h('div', { class: 'params' });
  const template = () => templates.find((t) => t.id === pick.value);
  function renderInputs() {
    const t = template();
    if (!t) return;
    description.textContent = t.description;
    fields.replaceChildren(
      ...t.inputs.map((input) => {
        const id = `tpl-in-${input.name}`;
        const control =
          input.type === 'boolean'
            ? h('input', { id, name: input.name, type: 'checkbox', checked: input.default === true })
            : h('input', {
                id,
                name: input.name,
                type: input.type === 'integer' ? 'number' : input.type === 'url' ? 'url' : 'text',
                min: input.min,
                max: input.max,
                value: input.default !== undefined ? String(input.default) : undefined,
                required: input.required,
                autocomplete: 'off',
              });
        control.disabled = blocked;
        control.setAttribute('aria-describedby', `${id}-help`);
        return h(
          'div',
          { class: 'field' },
          h('label', { for: id }, input.label + (input.required ? '' : ' (optional)')),
          control,
          h('p', { class: 'muted small', id: `${id}-help` }, input.description),
        );
      }),
    );
  }
  pick.addEventListener('change', renderInputs);
  const submit = h(
    'button',
    { type: 'submit', disabled: blocked, title: ctx.writeBlocked },
    'Install template',
  );
  const form = h(
    'form',
    {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        const t = template();
        const inputs = {};
        for (const input of t.inputs) {
          const el = fields.querySelector(`[name="${input.name}"]`);
          if (input.type === 'boolean') inputs[input.name] = el.checked;
          else if (el.value !== '')
            inputs[input.name] = input.type === 'integer' ? Number(el.value) : el.value;
        }
        submit.disabled = true;
        try {
          const flow = await api('POST', `/flow-templates/${encodeURIComponent(t.id)}/install`, { inputs });
          location.hash = `#/flows/${encodeURIComponent(flow.id)}`;
        } catch (err) {
          msg.error(err);
        } finally {
          submit.disabled = blocked;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'tpl' }, 'Template'), pick, description),
    fields,
    blocked ? h('p', { class: 'muted small' }, ctx.writeBlocked) : null,
    submit,
  );
  renderInputs();
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

async function renderDetail(ctx, root, flowId) {
  const msg = messageArea();
  const blocked = !!ctx.writeBlocked;
  const base = `/flows/${encodeURIComponent(flowId)}`;
  const [flow, { items: eventTypes }] = await Promise.all([api('GET', base), api('GET', '/event-types')]);
  const def = structuredClone(flow.definition);
  def.trigger ??= { sources: ['clockify'], events: [] };

  // Trigger: event types as a multiple select.
  const known = new Set(eventTypes.map((t) => t.type));
  const events = h(
    'select',
    { id: 'fl-events', name: 'events', multiple: true, size: 6, disabled: blocked },
    def.trigger.events.filter((e) => !known.has(e)).map((e) => h('option', { value: e, selected: true }, e)),
    eventTypes.map((t) =>
      h('option', { value: t.type, selected: def.trigger.events.includes(t.type) }, t.type),
    ),
  );

  // Conditions: one row per rule when the group is flat; nested groups stay as they are (edit as JSON via the API).
  const flat = !def.conditions || def.conditions.rules.every((r) => !('rules' in r));
  const mode = h(
    'select',
    { id: 'fl-mode', name: 'mode', disabled: blocked || !flat },
    h('option', { value: 'ALL', selected: def.conditions?.mode !== 'ANY' }, 'All must hold'),
    h('option', { value: 'ANY', selected: def.conditions?.mode === 'ANY' }, 'Any may hold'),
  );
  const rows = h('tbody');
  let rowSeq = 0;
  function addRow(rule = { path: '$.webhook.', op: '==' }) {
    const n = ++rowSeq;
    const path = h('input', {
      value: rule.path,
      'aria-label': `Condition ${n} path`,
      class: 'cond-path',
      disabled: blocked,
    });
    const op = h(
      'select',
      { 'aria-label': `Condition ${n} operator`, class: 'cond-op', disabled: blocked },
      OPERATORS.map((o) => h('option', { value: o, selected: o === rule.op }, o)),
    );
    const value = h('input', {
      value:
        rule.value === undefined
          ? ''
          : typeof rule.value === 'string'
            ? rule.value
            : JSON.stringify(rule.value),
      'aria-label': `Condition ${n} value`,
      class: 'cond-value',
      disabled: blocked,
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
          { type: 'button', class: 'secondary', disabled: blocked, onclick: () => tr.remove() },
          'Remove',
          h('span', { class: 'sr-only' }, ` condition ${n}`),
        ),
      ),
    );
    rows.append(tr);
  }
  if (flat) for (const r of def.conditions?.rules ?? []) addRow(r);
  const conditionsEditor = flat
    ? h(
        'div',
        {},
        h('div', { class: 'field' }, h('label', { for: 'fl-mode' }, 'Conditions'), mode),
        h(
          'div',
          { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Condition rows' },
          h(
            'table',
            {},
            h('caption', { class: 'sr-only' }, 'Conditions'),
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
        h(
          'button',
          { type: 'button', class: 'secondary', disabled: blocked, onclick: () => addRow() },
          'Add condition',
        ),
      )
    : h('p', { class: 'muted' }, 'This flow has nested condition groups: they are kept as they are.');
  const actions = h(
    'textarea',
    { id: 'fl-actions', rows: 14, spellcheck: 'false', disabled: blocked },
    json(def.actions ?? []),
  );

  /** The definition as edited; throws a readable error for invalid JSON. */
  function edited() {
    const d = structuredClone(def);
    d.trigger = { ...d.trigger, events: [...events.selectedOptions].map((o) => o.value) };
    if (flat) {
      const rules = [...rows.children].map((tr) => {
        const rule = { path: tr.querySelector('.cond-path').value, op: tr.querySelector('.cond-op').value };
        const v = tr.querySelector('.cond-value').value;
        if (!UNARY.has(rule.op)) rule.value = parseValue(v);
        return rule;
      });
      if (rules.length) d.conditions = { mode: mode.value, rules };
      else delete d.conditions;
    }
    try {
      d.actions = JSON.parse(actions.value);
    } catch (err) {
      throw new Error(`Actions are not valid JSON: ${err.message}`);
    }
    return d;
  }

  const save = actionButton(ctx, 'Save flow', async () => {
    const saved = await api('PUT', base, edited());
    msg.info(`Saved as version ${saved.version}.`);
  });

  // Dry run.
  const firstType = def.trigger.events.find((e) => known.has(e)) ?? eventTypes[0]?.type;
  const sampleType = h(
    'select',
    { id: 'dr-type', name: 'eventType' },
    eventTypes.map((t) => h('option', { value: t.type, selected: t.type === firstType }, t.type)),
  );
  const sample = h('textarea', { id: 'dr-sample', rows: 10, spellcheck: 'false' });
  const fillSample = () => {
    sample.value = json(eventTypes.find((t) => t.type === sampleType.value)?.sample ?? {});
  };
  sampleType.addEventListener('change', fillSample);
  fillSample();
  const report = h('div', { id: 'dry-run', 'aria-live': 'polite' });
  const dryRun = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          let body;
          try {
            body = JSON.parse(sample.value);
          } catch (err) {
            throw new Error(`The sample body is not valid JSON: ${err.message}`);
          }
          const t = eventTypes.find((x) => x.type === sampleType.value);
          const r = await api('POST', `${base}/test`, {
            definition: edited(),
            sample: body,
            eventType: sampleType.value,
            source: t?.source,
          });
          showReport(r);
        } catch (err) {
          msg.error(err);
        }
      },
    },
    'Dry run',
  );

  function ruleRows(trace, out = []) {
    for (const r of trace.rules) {
      if (r.kind === 'group') ruleRows(r, out);
      else
        out.push([
          r.location,
          r.path,
          r.op,
          show(r.expected),
          r.found ? show(r.actual) : 'not found',
          r.result ? badge('holds', 'succeeded') : badge('fails', 'failed'),
        ]);
    }
    return out;
  }

  function showReport(r) {
    report.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'dr-title' },
        h(
          'h3',
          { id: 'dr-title' },
          r.matches ? 'The flow matches this event' : 'The flow does not match this event',
        ),
        dl([
          ['Trigger', r.trigger?.summary],
          ['Would run', r.wouldRun ? 'yes' : r.enabled ? 'no' : 'no (the flow is disabled)'],
        ]),
        r.conditions
          ? scrollable(
              table({
                caption: 'Conditions',
                headers: ['Where', 'Path', 'Operator', 'Expected', 'Found', 'Result'],
                rows: ruleRows(r.conditions.trace),
              }),
              'Condition results',
            )
          : h('p', { class: 'muted' }, 'No conditions.'),
        h('h4', {}, 'Actions'),
        r.actions.map((a) =>
          h(
            'div',
            { class: 'dry-action' },
            h('p', {}, h('strong', {}, `${a.index + 1}. ${a.id}`), ` (${a.type}): ${a.outcome}`),
            a.error ? h('p', { class: 'error' }, show(a.error.message ?? a.error)) : null,
            a.request
              ? h(
                  'pre',
                  { class: 'code', tabindex: 0, 'aria-label': `Rendered request of ${a.id}` },
                  `${a.request.method} ${a.request.path ?? a.request.url ?? ''}\n${json(a.request.body ?? null)}`,
                )
              : null,
          ),
        ),
        r.notes?.length
          ? h(
              'ul',
              {},
              r.notes.map((n) => h('li', {}, n)),
            )
          : null,
      ),
    );
  }

  // Executions and their trace.
  const executions = h('div');
  const trace = h('div', { id: 'execution-trace' });
  async function loadExecutions() {
    const { items } = await api('GET', `${base}/executions${query({ limit: 50 })}`);
    executions.replaceChildren(
      table({
        caption: 'Executions of this flow, newest first',
        hideCaption: true,
        headers: ['Created', 'Status', 'Origin', 'Version', 'Error', 'Trace'],
        rows: items.map((x) => [
          fmtTime(x.createdAt),
          badge(x.status, EXEC_KIND[x.status]),
          x.origin,
          String(x.version),
          x.error,
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => showTrace(x.id).catch(msg.error) },
            'Steps',
            h('span', { class: 'sr-only' }, ` of execution ${x.id}`),
          ),
        ]),
        empty: 'No executions yet.',
      }),
    );
  }
  async function showTrace(id) {
    const x = await api('GET', `/executions/${encodeURIComponent(id)}`);
    trace.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'trace-title' },
        h('h2', { id: 'trace-title', tabindex: '-1' }, `Execution ${x.id}`),
        dl([
          ['Status', badge(x.status, EXEC_KIND[x.status])],
          ['Event', h('a', { href: `#/events/${encodeURIComponent(x.eventId)}` }, x.eventId)],
          ['Started', fmtTime(x.startedAt)],
          ['Finished', fmtTime(x.finishedAt)],
          ['Error', x.error],
        ]),
        scrollable(
          table({
            caption: 'Steps',
            headers: ['Action', 'Attempt', 'State', 'HTTP status', 'Latency', 'Error'],
            rows: x.steps.map((s) => [
              s.actionId,
              String(s.attempt),
              badge(s.state, s.state),
              s.status === null ? '—' : String(s.status),
              s.latencyMs === null ? '—' : `${s.latencyMs} ms`,
              s.error,
            ]),
            empty: 'No steps ran.',
          }),
          'Steps',
        ),
        x.steps.map((s) =>
          h(
            'pre',
            { class: 'code', tabindex: 0, 'aria-label': `Request of ${s.actionId}, attempt ${s.attempt}` },
            json(s.request),
          ),
        ),
      ),
    );
    trace.querySelector('#trace-title')?.focus();
  }

  root.append(
    h('p', {}, h('a', { href: '#/flows' }, '← All flows')),
    msg.el,
    card(
      flow.name,
      dl([
        ['Status', flow.enabled ? badge('enabled', 'ok') : badge('disabled', 'warn')],
        ['Version', String(flow.version)],
      ]),
      h(
        'div',
        { class: 'actions' },
        actionButton(ctx, flow.enabled ? 'Disable flow' : 'Enable flow', async () => {
          await api('POST', `${base}/${flow.enabled ? 'disable' : 'enable'}`);
          root.replaceChildren();
          await renderDetail(ctx, root, flowId);
        }),
      ),
    ),
    card(
      'Editor',
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'fl-events' }, 'Trigger events'),
        events,
        h('p', { class: 'muted small' }, 'Ctrl or ⌘ + click to choose several.'),
      ),
      conditionsEditor,
      h('div', { class: 'field' }, h('label', { for: 'fl-actions' }, 'Actions (JSON)'), actions),
      blocked ? h('p', { class: 'muted small' }, ctx.writeBlocked) : null,
      save,
    ),
    card(
      'Dry run',
      h(
        'p',
        { class: 'muted' },
        'Runs the editor’s definition against a sample body: calls and stores nothing.',
      ),
      h('div', { class: 'field' }, h('label', { for: 'dr-type' }, 'Event type'), sampleType),
      h('div', { class: 'field' }, h('label', { for: 'dr-sample' }, 'Sample body (JSON)'), sample),
      dryRun,
      report,
    ),
    card(
      'Executions',
      h(
        'button',
        { type: 'button', class: 'secondary', onclick: () => loadExecutions().catch(msg.error) },
        'Refresh executions',
      ),
      executions,
    ),
    trace,
  );
  await loadExecutions();
}
