// Flows: list with enable/disable and delete; install from a template (a form from its inputs) or start
// from scratch (#/flows/new). A flow's page (#/flows/<id>): editor (name, trigger events, condition rows
// with path suggestions, actions without JSON: a Clockify operation picker with a form from the
// operation's schema, HTTP and webhook fields, when/onError/retry; a JSON view for power users), dry run
// against a sample body (each condition's result, each rendered request), versions, executions (paged)
// with their step trace and retry, and a replay of stored events with its progress.
import { OPERATORS, UNARY } from '../operators.js';
import { api, query } from '../api.js';
import { schemaForm } from '../schema-form.js';
import { actionButton, badge, card, confirmDialog, dl, fmtTime, h, messageArea, table } from '../ui.js';

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
  root.append(
    msg.el,
    card(
      'Your flows',
      list,
      h(
        'div',
        { class: 'actions' },
        actionButton(ctx, 'New flow', () => {
          location.hash = '#/flows/new';
        }),
      ),
    ),
    card('Install a template', installForm(ctx, templates, msg)),
  );

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

/** A body or payload template: JSON when it is JSON, else the text as written (e.g. "{{ webhook }}"). */
function parseTemplate(text) {
  if (text.trim() === '') return undefined;
  return parseValue(text);
}
const templateText = (v) => (v === undefined ? '' : typeof v === 'string' ? v : json(v));

/** JSONPaths of every value of a sample event body (`$.webhook.a.b`), for the condition rows' suggestions. */
export function samplePaths(sample, limit = 300) {
  const out = ['$.event.type', '$.event.source', '$.event.id', '$.workspace.id'];
  const walk = (v, path, depth) => {
    if (out.length >= limit || depth > 6) return;
    out.push(path);
    if (Array.isArray(v)) {
      if (v.length > 0) walk(v[0], `${path}[0]`, depth + 1);
    } else if (v !== null && typeof v === 'object')
      for (const [k, sub] of Object.entries(v))
        walk(sub, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}['${k}']`, depth + 1);
  };
  walk(sample ?? {}, '$.webhook', 0);
  return out;
}

/**
 * Condition rows for a flat group (path with suggestions, operator, value); a group with nested groups is
 * kept as it is. `label` prefixes the controls' names ("Condition 1 path", "Action 1 condition 1 path").
 */
function conditionRows({ group, blocked, label, idPrefix, datalistId, caption }) {
  const flat = !group || group.rules.every((r) => !('rules' in r));
  if (!flat)
    return {
      el: h(
        'p',
        { class: 'muted' },
        'These conditions have nested groups: they are kept as they are (JSON view).',
      ),
      get: () => group,
    };
  const modeId = `${idPrefix}-mode`;
  const mode = h(
    'select',
    { id: modeId, name: 'mode', disabled: blocked },
    h('option', { value: 'ALL', selected: group?.mode !== 'ANY' }, 'All must hold'),
    h('option', { value: 'ANY', selected: group?.mode === 'ANY' }, 'Any may hold'),
  );
  const rows = h('tbody');
  let rowSeq = 0;
  function addRow(rule = { path: '$.webhook.', op: '==' }, focus = false) {
    const n = ++rowSeq;
    const path = h('input', {
      value: rule.path,
      'aria-label': `${label} ${n} path`,
      class: 'cond-path',
      list: datalistId,
      autocomplete: 'off',
      spellcheck: 'false',
      disabled: blocked,
    });
    const op = h(
      'select',
      { 'aria-label': `${label} ${n} operator`, class: 'cond-op', disabled: blocked },
      OPERATORS.map((o) => h('option', { value: o, selected: o === rule.op }, o)),
    );
    const value = h('input', {
      value:
        rule.value === undefined
          ? ''
          : typeof rule.value === 'string'
            ? rule.value
            : JSON.stringify(rule.value),
      'aria-label': `${label} ${n} value`,
      class: 'cond-value',
      disabled: blocked,
    });
    const extra = Object.fromEntries(
      Object.entries(rule).filter(([k]) => !['path', 'op', 'value'].includes(k)),
    );
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
          h('span', { class: 'sr-only' }, ` ${label.toLowerCase()} ${n}`),
        ),
      ),
    );
    tr.extra = extra;
    rows.append(tr);
    if (focus) path.focus();
  }
  for (const r of group?.rules ?? []) addRow(r);
  const el = h(
    'div',
    { class: 'conditions' },
    h('div', { class: 'field' }, h('label', { for: modeId }, caption), mode),
    h(
      'div',
      { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `${caption} rows` },
      h(
        'table',
        {},
        h('caption', { class: 'sr-only' }, caption),
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
      { type: 'button', class: 'secondary', disabled: blocked, onclick: () => addRow(undefined, true) },
      `Add ${label.toLowerCase()}`,
    ),
  );
  return {
    el,
    get() {
      const rules = [...rows.children].map((tr) => {
        const rule = {
          ...tr.extra,
          path: tr.querySelector('.cond-path').value,
          op: tr.querySelector('.cond-op').value,
        };
        const v = tr.querySelector('.cond-value').value;
        if (!UNARY.has(rule.op)) rule.value = parseValue(v);
        return rule;
      });
      return rules.length ? { mode: mode.value, rules } : undefined;
    },
  };
}

/** Labelled control in a field. */
const field = (id, label, control, help) =>
  h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    help ? h('p', { class: 'muted small', id: `${id}-help` }, help) : null,
  );

/** Key/value rows (HTTP headers). */
function headerRows(headers, blocked, idPrefix) {
  const rows = h('div', { class: 'kv-rows' });
  let seq = 0;
  function add(name = '', value = '', focus = false) {
    const n = ++seq;
    const k = h('input', {
      value: name,
      'aria-label': `Header ${n} name`,
      id: `${idPrefix}-hn${n}`,
      autocomplete: 'off',
      disabled: blocked,
    });
    const v = h('input', {
      value,
      'aria-label': `Header ${n} value`,
      autocomplete: 'off',
      disabled: blocked,
    });
    const row = h(
      'div',
      { class: 'row kv' },
      k,
      v,
      h(
        'button',
        { type: 'button', class: 'secondary', disabled: blocked, onclick: () => row.remove() },
        'Remove',
        h('span', { class: 'sr-only' }, ` header ${n}`),
      ),
    );
    row.kv = [k, v];
    rows.append(row);
    if (focus) k.focus();
  }
  for (const [k, v] of Object.entries(headers ?? {})) add(k, String(v));
  return {
    el: h(
      'div',
      { class: 'field' },
      h('p', { class: 'label' }, 'Headers'),
      rows,
      h(
        'button',
        { type: 'button', class: 'secondary', disabled: blocked, onclick: () => add('', '', true) },
        'Add header',
      ),
    ),
    get() {
      const out = {};
      for (const row of rows.children)
        if (row.kv[0].value.trim()) out[row.kv[0].value.trim()] = row.kv[1].value;
      return Object.keys(out).length ? out : undefined;
    },
  };
}

const COMMON_KEYS = ['id', 'type', 'when', 'onError', 'retry', 'timeoutMs', 'description'];
const TYPE_KEYS = {
  clockify: ['operationId', 'pathParams', 'query', 'body'],
  http: ['method', 'url', 'headers', 'body'],
  webhook: ['endpointId', 'payload'],
};

/**
 * One action's editor: id, type and the type's fields (a Clockify operation picker with a form from its
 * schema; HTTP method, URL, headers, body; webhook endpoint and payload), `when`, `onError`, retry and
 * timeout. `get()` is the action as edited; fields it does not know are kept.
 */
function actionEditor(shared, action, key) {
  const { blocked, describe, searchOperations, endpoints, datalistId } = shared;
  const p = `fa${key}`;
  let original = structuredClone(action);
  const legend = h('legend', {});
  const el = h('fieldset', { class: 'action-editor' }, legend);
  const idInput = h('input', {
    id: `${p}-id`,
    value: action.id ?? '',
    autocomplete: 'off',
    spellcheck: 'false',
    disabled: blocked,
  });
  const typeSelect = h(
    'select',
    { id: `${p}-type`, disabled: blocked },
    ['clockify', 'http', 'webhook'].map((t) =>
      h(
        'option',
        { value: t, selected: t === action.type },
        { clockify: 'Clockify API call', http: 'HTTP request', webhook: 'Send to an outbound endpoint' }[t],
      ),
    ),
  );
  if (!TYPE_KEYS[action.type] && action.type)
    typeSelect.append(h('option', { value: action.type, selected: true }, action.type));
  const typeBody = h('div', { class: 'action-type' });
  let typePart = { get: () => ({}) };

  // --- clockify
  function clockifyPart(a) {
    let op = null;
    let pathInputs = [];
    let queryInputs = [];
    let bodyForm = null;
    const chosen = h('div', { class: 'op-chosen' });
    const q = h('input', {
      id: `${p}-opq`,
      type: 'search',
      placeholder: 'e.g. create time entry',
      autocomplete: 'off',
      disabled: blocked,
    });
    const results = h('ul', { class: 'plain op-results', 'aria-live': 'polite' });
    const find = async () => {
      const items = await searchOperations(q.value.trim());
      const shown = items.slice(0, 15);
      // (replaceChildren does not flatten lists nor skip nulls, unlike h())
      results.replaceChildren(
        ...(shown.length === 0 ? [h('li', { class: 'muted' }, 'No operation matches.')] : []),
        ...shown.map((o) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                disabled: blocked,
                onclick: () => choose(o.operationId, true).catch(shared.error),
              },
              h('span', { class: `method m-${o.method.toLowerCase()}` }, o.method),
              ' ',
              o.path,
            ),
            h('span', { class: 'muted small' }, ` ${o.summary}`),
          ),
        ),
        ...(items.length > shown.length
          ? [h('li', { class: 'muted small' }, `${items.length - shown.length} more: narrow the search`)]
          : []),
      );
    };
    q.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        find().catch(shared.error);
      }
    });
    const picker = h(
      'div',
      { class: 'op-picker', role: 'search', 'aria-label': `Operation search for action ${key}` },
      h(
        'div',
        { class: 'row' },
        field(`${p}-opq`, 'Find a Clockify operation', q),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: blocked,
            onclick: () => find().catch(shared.error),
          },
          'Find operations',
        ),
      ),
      results,
    );
    const paramInput = (param, value, where) => {
      const id = `${p}-${where}-${param.name}`;
      const input = h('input', {
        id,
        value: value === undefined ? '' : String(value),
        autocomplete: 'off',
        spellcheck: 'false',
        disabled: blocked,
        'aria-required': param.required ? 'true' : null,
      });
      const error = h('p', { class: 'error small', id: `${id}-err` });
      input.setAttribute('aria-describedby', `${id}-help ${id}-err`);
      const el = field(
        id,
        `${param.name}${param.required ? '' : ' (optional)'}`,
        input,
        param.description
          ? `${param.description} A value or a {{ template }}.`
          : 'A value or a {{ template }}.',
      );
      el.append(error);
      return { param, input, el, error };
    };
    async function choose(operationId, fresh) {
      const d = await describe(operationId);
      op = d;
      const src = fresh ? { pathParams: {}, query: {}, body: d.requestBody ? d.example.body : undefined } : a;
      pathInputs = d.parameters
        .filter((x) => x.in === 'path' && x.name !== 'workspaceId')
        .map((x) => paramInput(x, src.pathParams?.[x.name], 'path'));
      queryInputs = d.parameters
        .filter((x) => x.in === 'query')
        .map((x) => paramInput(x, src.query?.[x.name], 'query'));
      const optional = queryInputs.filter((x) => !x.param.required);
      bodyForm = d.requestBody
        ? schemaForm(d.requestBody.schema ?? {}, {
            value: src.body,
            idPrefix: `${p}-body`,
            label: 'Body',
            templates: true,
            disabled: blocked,
          })
        : null;
      chosen.replaceChildren(
        h(
          'div',
          {},
          h(
            'p',
            { class: 'op-name' },
            h('span', { class: `method m-${d.method.toLowerCase()}` }, d.method),
            ' ',
            h('code', {}, d.path),
            ` — ${d.summary} (${d.operationId})`,
          ),
          pathInputs.map((x) => x.el),
          queryInputs.filter((x) => x.param.required).map((x) => x.el),
          optional.length
            ? h(
                'details',
                { class: 'optional', open: optional.some((x) => x.input.value !== '') },
                h('summary', {}, `Optional query parameters (${optional.length})`),
                optional.map((x) => x.el),
              )
            : null,
          bodyForm
            ? h('fieldset', { class: 'sf-body' }, h('legend', {}, `Body of action ${key}`), bodyForm.el)
            : null,
        ),
      );
      picker.hidden = true;
      changeButton.hidden = false;
      results.replaceChildren();
      if (fresh) chosen.querySelector('input, select, textarea')?.focus();
    }
    const changeButton = h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        hidden: true,
        disabled: blocked,
        onclick: () => {
          picker.hidden = false;
          q.focus();
        },
      },
      'Change operation',
    );
    const typed = (param, text) => {
      const t = param.schema?.type;
      if (text.includes('{{')) return text;
      if ((t === 'integer' || t === 'number') && text.trim() !== '' && Number.isFinite(Number(text)))
        return Number(text);
      if (t === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
      return text;
    };
    if (a.operationId)
      choose(a.operationId, false).catch((err) => {
        chosen.replaceChildren(h('p', { class: 'error' }, `Operation ${a.operationId}: ${err.message}`));
      });
    return {
      el: h('div', {}, chosen, changeButton, picker),
      get() {
        if (!op)
          return Object.fromEntries(
            TYPE_KEYS.clockify.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]),
          );
        const out = { operationId: op.operationId, pathParams: {}, query: {} };
        for (const x of pathInputs) if (x.input.value !== '') out.pathParams[x.param.name] = x.input.value;
        for (const x of queryInputs)
          if (x.input.value !== '') out.query[x.param.name] = typed(x.param, x.input.value);
        const body = bodyForm?.getValue();
        if (body !== undefined) out.body = body;
        return out;
      },
      /** Issues with paths inside this action (`pathParams.id`, `body.name`); returns those no field took. */
      showIssues(issues) {
        const rest = [];
        const bodyIssues = [];
        for (const x of [...pathInputs, ...queryInputs]) {
          x.error.textContent = '';
          x.input.removeAttribute('aria-invalid');
        }
        for (const i of issues) {
          const m = /^(pathParams|query)\.(.+)$/.exec(i.path);
          const x = m && (m[1] === 'query' ? queryInputs : pathInputs).find((y) => y.param.name === m[2]);
          if (x) {
            x.error.textContent = i.message;
            x.input.setAttribute('aria-invalid', 'true');
            x.input.closest('details')?.setAttribute('open', '');
          } else if (bodyForm && /^body([.[]|$)/.test(i.path))
            bodyIssues.push({ ...i, path: i.path.replace(/^body\.?/, '') });
          else rest.push(i);
        }
        if (bodyForm)
          rest.push(...bodyForm.showIssues(bodyIssues).map((i) => ({ ...i, path: `body.${i.path}` })));
        return rest;
      },
    };
  }

  // --- http
  function httpPart(a) {
    const method = h(
      'select',
      { id: `${p}-method`, disabled: blocked },
      ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) =>
        h('option', { value: m, selected: m === (a.method ?? 'POST') }, m),
      ),
    );
    const url = h('input', {
      id: `${p}-url`,
      type: 'text',
      inputmode: 'url',
      value: a.url ?? 'https://',
      autocomplete: 'off',
      spellcheck: 'false',
      disabled: blocked,
    });
    const headers = headerRows(a.headers, blocked, p);
    const body = h(
      'textarea',
      { id: `${p}-hbody`, rows: 6, spellcheck: 'false', disabled: blocked },
      templateText(a.body),
    );
    return {
      el: h(
        'div',
        {},
        h('div', { class: 'row' }, field(`${p}-method`, 'Method', method), field(`${p}-url`, 'URL', url)),
        headers.el,
        field(
          `${p}-hbody`,
          'Body template',
          body,
          'JSON with {{ templates }} in its strings, or text. GET and HEAD send no body.',
        ),
      ),
      get() {
        const out = { method: method.value, url: url.value };
        const hs = headers.get();
        if (hs) out.headers = hs;
        const b = parseTemplate(body.value);
        if (b !== undefined && method.value !== 'GET' && method.value !== 'HEAD') out.body = b;
        return out;
      },
    };
  }

  // --- webhook
  function webhookPart(a) {
    const endpoint = h(
      'select',
      { id: `${p}-endpoint`, disabled: blocked },
      h('option', { value: '' }, endpoints.length ? 'Choose an endpoint…' : 'No outbound endpoint yet'),
      endpoints.map((e) =>
        h('option', { value: e.id, selected: e.id === a.endpointId }, `${e.description || e.url} (${e.url})`),
      ),
      a.endpointId && !endpoints.some((e) => e.id === a.endpointId)
        ? h('option', { value: a.endpointId, selected: true }, a.endpointId)
        : null,
    );
    const payload = h(
      'textarea',
      { id: `${p}-payload`, rows: 6, spellcheck: 'false', disabled: blocked },
      templateText(a.payload ?? { event: '{{ webhook }}' }),
    );
    return {
      el: h(
        'div',
        {},
        field(`${p}-endpoint`, 'Outbound endpoint', endpoint),
        field(`${p}-payload`, 'Payload template', payload, 'JSON with {{ templates }} in its strings.'),
      ),
      get() {
        const out = { endpointId: endpoint.value };
        const v = parseTemplate(payload.value);
        if (v !== undefined) out.payload = v;
        return out;
      },
    };
  }

  function renderType(a) {
    const make = { clockify: clockifyPart, http: httpPart, webhook: webhookPart }[typeSelect.value];
    typePart = make
      ? make(a)
      : {
          el: h('p', { class: 'muted' }, 'This action type is edited in the JSON view.'),
          get: () => Object.fromEntries(Object.entries(a).filter(([k]) => !COMMON_KEYS.includes(k))),
        };
    typeBody.replaceChildren(typePart.el);
  }
  typeSelect.addEventListener('change', () => {
    renderType({});
  });
  renderType(action);

  const when = conditionRows({
    group: action.when,
    blocked,
    label: `Action ${key} condition`,
    idPrefix: `${p}-when`,
    datalistId,
    caption: `Run action ${key} only when`,
  });
  const onError = h(
    'select',
    { id: `${p}-onerror`, disabled: blocked },
    h('option', { value: 'stop', selected: action.onError !== 'continue' }, 'Stop the flow'),
    h(
      'option',
      { value: 'continue', selected: action.onError === 'continue' },
      'Continue with the next action',
    ),
  );
  const num = (id, v, min, max) =>
    h('input', {
      id,
      type: 'number',
      min,
      max,
      step: 1,
      value: v === undefined ? '' : String(v),
      disabled: blocked,
    });
  const attempts = num(`${p}-attempts`, action.retry?.attempts, 0, 10);
  const backoff = h(
    'select',
    { id: `${p}-backoff`, disabled: blocked },
    h('option', { value: 'exponential', selected: action.retry?.backoff !== 'fixed' }, 'exponential'),
    h('option', { value: 'fixed', selected: action.retry?.backoff === 'fixed' }, 'fixed'),
  );
  const delay = num(`${p}-delay`, action.retry?.delayMs, 100, 3_600_000);
  const timeout = num(`${p}-timeout`, action.timeoutMs, 100, 120_000);
  const hasAdvanced =
    action.when !== undefined || action.onError === 'continue' || action.retry || action.timeoutMs;

  el.append(
    h(
      'div',
      { class: 'row' },
      field(`${p}-id`, 'Action id', idInput, 'Later actions read its result as actions.<id>.'),
      field(`${p}-type`, 'Action type', typeSelect),
    ),
    typeBody,
    h(
      'details',
      { class: 'optional', open: !!hasAdvanced },
      h('summary', {}, `When, errors and retries of action ${key}`),
      when.el,
      h(
        'div',
        { class: 'row wrap' },
        field(`${p}-onerror`, 'On error', onError),
        field(`${p}-attempts`, 'Retry attempts (0–10)', attempts),
        field(`${p}-backoff`, 'Backoff', backoff),
        field(`${p}-delay`, 'First retry delay (ms)', delay),
        field(`${p}-timeout`, 'Timeout (ms, optional)', timeout),
      ),
    ),
  );
  const setLegend = (n) => {
    legend.textContent = `Action ${n}${idInput.value ? `: ${idInput.value}` : ''}`;
  };
  idInput.addEventListener('input', () => setLegend(el.dataset.n));

  return {
    el,
    setPosition(n) {
      el.dataset.n = String(n);
      setLegend(n);
    },
    get() {
      const keep = Object.fromEntries(
        Object.entries(original).filter(
          ([k]) => !COMMON_KEYS.includes(k) && !Object.values(TYPE_KEYS).flat().includes(k),
        ),
      );
      const out = { ...keep, id: idInput.value.trim(), type: typeSelect.value, ...typePart.get() };
      if (original.description !== undefined) out.description = original.description;
      const w = when.get();
      if (w) out.when = w;
      if (onError.value === 'continue') out.onError = 'continue';
      if (attempts.value !== '' && Number(attempts.value) > 0)
        out.retry = {
          attempts: Number(attempts.value),
          backoff: backoff.value,
          ...(delay.value !== '' ? { delayMs: Number(delay.value) } : {}),
        };
      if (timeout.value !== '') out.timeoutMs = Number(timeout.value);
      return out;
    },
    showIssues: (issues) => typePart.showIssues?.(issues) ?? issues,
    reset(a) {
      original = structuredClone(a);
    },
  };
}

/** The actions of a flow: one editor per action, add/remove, and a JSON view kept in step. */
function actionsEditor(shared, actions) {
  const list = h('div', { class: 'action-list' });
  let editors = [];
  let seq = 0;
  const jsonArea = h('textarea', {
    id: 'fl-actions',
    rows: 14,
    spellcheck: 'false',
    disabled: shared.blocked,
  });
  const jsonField = h(
    'div',
    { class: 'field', hidden: true },
    h('label', { for: 'fl-actions' }, 'Actions (JSON)'),
    jsonArea,
  );
  let asJson = false;
  const addType = h(
    'select',
    { id: 'fl-add-type', disabled: shared.blocked },
    h('option', { value: 'clockify' }, 'Clockify API call'),
    h('option', { value: 'http' }, 'HTTP request'),
    h('option', { value: 'webhook' }, 'Send to an outbound endpoint'),
  );
  function mount(a) {
    const k = ++seq;
    const ed = actionEditor(shared, a, k);
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        disabled: shared.blocked,
        onclick: () => {
          editors = editors.filter((e) => e !== entry);
          wrap.remove();
          renumber();
          addButton.focus();
        },
      },
      'Remove action',
      h('span', { class: 'sr-only' }, ` ${k}`),
    );
    const wrap = h('div', { class: 'action-wrap' }, ed.el, remove);
    const entry = { ed, wrap, remove };
    editors.push(entry);
    list.append(wrap);
    return entry;
  }
  function renumber() {
    editors.forEach((e, i) => {
      e.ed.setPosition(i + 1);
      e.remove.lastChild.textContent = ` ${i + 1}`;
    });
  }
  function rebuild(actionsValue) {
    editors = [];
    list.replaceChildren();
    for (const a of actionsValue) mount(a);
    renumber();
  }
  const addButton = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      disabled: shared.blocked,
      onclick: () => {
        const ids = new Set(editors.map((e) => e.ed.get().id));
        let n = editors.length + 1;
        while (ids.has(`action${n}`)) n++;
        const e = mount({ id: `action${n}`, type: addType.value });
        renumber();
        e.wrap.querySelector('input[type="search"], select, input')?.focus();
      },
    },
    'Add action',
  );
  const get = () => {
    if (!asJson) return editors.map((e) => e.ed.get());
    try {
      return JSON.parse(jsonArea.value);
    } catch (err) {
      throw new Error(`Actions are not valid JSON: ${err.message}`);
    }
  };
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-pressed': 'false',
      onclick: () => {
        if (!asJson) jsonArea.value = json(get());
        else {
          let parsed;
          try {
            parsed = JSON.parse(jsonArea.value);
            if (!Array.isArray(parsed)) throw new Error('a list of actions is expected');
          } catch (err) {
            shared.error(new Error(`Actions are not valid JSON: ${err.message}`));
            return;
          }
          rebuild(parsed);
        }
        asJson = !asJson;
        toggle.setAttribute('aria-pressed', String(asJson));
        formPart.hidden = asJson;
        jsonField.hidden = !asJson;
      },
    },
    'Edit actions as JSON',
  );
  const formPart = h(
    'div',
    {},
    list,
    h('div', { class: 'row add-action' }, field('fl-add-type', 'New action type', addType), addButton),
  );
  rebuild(actions);
  jsonArea.value = json(actions);
  return {
    el: h(
      'div',
      { class: 'actions-editor' },
      h('div', { class: 'sf-bar' }, h('h3', {}, 'Actions'), toggle),
      formPart,
      jsonField,
    ),
    get,
    /** Issues of a 422 or a dry run (`actions[1].body.name`) next to the action's fields; returns the rest. */
    showIssues(issues) {
      const rest = [];
      const byAction = new Map();
      for (const i of issues) {
        const m = /^actions\[(\d+)\]\.?(.*)$/.exec(i.path);
        if (!m || asJson || !editors[Number(m[1])]) rest.push(i);
        else byAction.set(Number(m[1]), [...(byAction.get(Number(m[1])) ?? []), { ...i, path: m[2] }]);
      }
      // Every action is told (an empty list clears what an earlier save or dry run showed).
      editors.forEach((e, n) =>
        rest.push(
          ...e.ed.showIssues(byAction.get(n) ?? []).map((i) => ({ ...i, path: `actions[${n}].${i.path}` })),
        ),
      );
      return rest;
    },
  };
}

/** Session-storage key under which the API explorer hands a call over as the first action of a new flow. */
export const NEW_FLOW_ACTION_KEY = 'gw_new_flow_action';

/** The action the explorer handed over (once), with an id, or none. */
function handedOverAction() {
  const text = sessionStorage.getItem(NEW_FLOW_ACTION_KEY);
  sessionStorage.removeItem(NEW_FLOW_ACTION_KEY);
  try {
    const action = text ? JSON.parse(text) : null;
    return action && typeof action === 'object' ? [{ id: 'action1', ...action }] : [];
  } catch {
    return [];
  }
}

const EMPTY_FLOW = {
  version: 1,
  name: '',
  enabled: false,
  trigger: { sources: ['clockify'], events: [] },
  actions: [],
};

async function renderDetail(ctx, root, flowId) {
  const msg = messageArea();
  const blocked = !!ctx.writeBlocked;
  const isNew = flowId === 'new';
  const base = `/flows/${encodeURIComponent(flowId)}`;
  const [flow, { items: eventTypes }, endpointList] = await Promise.all([
    isNew
      ? {
          id: null,
          name: 'New flow',
          enabled: false,
          version: 0,
          definition: { ...EMPTY_FLOW, actions: handedOverAction() },
        }
      : api('GET', base),
    api('GET', '/event-types'),
    api('GET', '/endpoints').catch(() => ({ items: [] })),
  ]);
  const def = structuredClone(flow.definition);
  def.trigger ??= { sources: ['clockify'], events: [] };
  const timers = new Set();

  // Operations of the explorer's catalogue (searched by the action editors) and their descriptions.
  const described = new Map();
  const shared = {
    blocked,
    endpoints: endpointList.items ?? [],
    datalistId: 'fl-paths',
    error: (err) => msg.error(err),
    describe(operationId) {
      if (!described.has(operationId))
        described.set(
          operationId,
          api('GET', `/api-explorer/operations/${encodeURIComponent(operationId)}`).catch((err) => {
            described.delete(operationId);
            throw err;
          }),
        );
      return described.get(operationId);
    },
    async searchOperations(q) {
      const res = await api('GET', `/api-explorer/operations${query({ q })}`);
      return res.items;
    },
  };

  const name = h('input', {
    id: 'fl-name',
    value: def.name ?? '',
    maxlength: 200,
    autocomplete: 'off',
    disabled: blocked,
  });

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

  // Path suggestions for condition rows: from the dry run's sample body (below).
  const paths = h('datalist', { id: 'fl-paths' });
  const suggest = (sampleBody) =>
    paths.replaceChildren(...samplePaths(sampleBody).map((v) => h('option', { value: v })));

  const conditions = conditionRows({
    group: def.conditions,
    blocked,
    label: 'Condition',
    idPrefix: 'fl',
    datalistId: 'fl-paths',
    caption: 'Conditions',
  });
  const actions = actionsEditor(shared, def.actions ?? []);

  /** The definition as edited; throws a readable error for invalid JSON. */
  function edited() {
    const d = structuredClone(def);
    d.name = name.value.trim();
    d.trigger = { ...d.trigger, events: [...events.selectedOptions].map((o) => o.value) };
    const c = conditions.get();
    if (c) d.conditions = c;
    else delete d.conditions;
    d.actions = actions.get();
    return d;
  }

  /** A 422 from a save: each issue next to its field where one holds it, the rest in the message. */
  function explain(err) {
    const issues = err?.details?.issues;
    if (!Array.isArray(issues)) return msg.error(err);
    const rest = actions.showIssues(
      issues.map((i) => ({ ...i, path: Array.isArray(i.path) ? i.path.join('.') : String(i.path ?? '') })),
    );
    msg.error(
      rest.length < issues.length
        ? new Error(`${err.message} (the actions’ fields concerned say what to change)`)
        : err,
    );
  }

  const save = actionButton(ctx, isNew ? 'Create flow' : 'Save flow', async () => {
    try {
      if (isNew) {
        const created = await api('POST', '/flows', edited());
        location.hash = `#/flows/${encodeURIComponent(created.id)}`;
        return;
      }
      const saved = await api('PUT', base, edited());
      actions.showIssues([]);
      msg.info(`Saved as version ${saved.version}.`);
      await loadVersions();
    } catch (err) {
      explain(err);
    }
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
    const body = eventTypes.find((t) => t.type === sampleType.value)?.sample ?? {};
    sample.value = json(body);
    suggest(body);
  };
  sampleType.addEventListener('change', fillSample);
  // The sample follows the trigger: its first chosen event type (and so do the path suggestions).
  events.addEventListener('change', () => {
    const chosen = [...events.selectedOptions].map((o) => o.value).filter((t) => known.has(t));
    if (chosen.length > 0 && !chosen.includes(sampleType.value)) {
      sampleType.value = chosen[0];
      fillSample();
    }
  });
  sample.addEventListener('change', () => {
    try {
      suggest(JSON.parse(sample.value));
    } catch {
      /* the dry run says so */
    }
  });
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
          msg.clear();
          showReport(r);
        } catch (err) {
          explain(err);
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
    // The schema check of each rendered Clockify request, next to the action's fields.
    actions.showIssues(
      r.actions.flatMap((a) =>
        (a.request?.validation?.issues ?? []).map((i) => ({
          path: `actions[${a.index}].${typeof i === 'string' ? i.split(':')[0] : i.path}`,
          message: typeof i === 'string' ? i.split(':').slice(1).join(':').trim() : i.message,
        })),
      ),
    );
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
            a.request?.validation?.issues?.length
              ? h(
                  'ul',
                  { class: 'error small' },
                  a.request.validation.issues.map((i) =>
                    h('li', {}, typeof i === 'string' ? i : `${i.path}: ${i.message}`),
                  ),
                )
              : null,
            a.request
              ? h(
                  'pre',
                  { class: 'code', tabindex: 0, 'aria-label': `Rendered request of ${a.id}` },
                  `${a.request.method} ${a.request.path ?? a.request.url ?? ''}\n${json(a.request.body ?? a.request.payload ?? null)}`,
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

  // Versions.
  const versions = h('div', { id: 'flow-versions' });
  const versionView = h('div');
  async function loadVersions() {
    if (isNew) return;
    const { items } = await api('GET', `${base}/versions`);
    versions.replaceChildren(
      table({
        caption: 'Saved versions of this flow, newest first',
        headers: ['Version', 'Saved', 'By', 'Definition'],
        rows: items.map((v, i) => [
          [String(v.version), i === 0 ? [' ', badge('current', 'ok')] : null],
          fmtTime(v.createdAt),
          v.createdBy ?? '—',
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                versionView.replaceChildren(
                  h(
                    'pre',
                    { class: 'code', tabindex: 0, 'aria-label': `Definition of version ${v.version}` },
                    json(v.definition),
                  ),
                );
              },
            },
            'Show',
            h('span', { class: 'sr-only' }, ` version ${v.version}`),
          ),
        ]),
        empty: 'No versions.',
      }),
    );
  }

  // Executions (cursor paging), their trace, retry.
  const executions = h('div', { id: 'flow-executions' });
  const trace = h('div', { id: 'execution-trace' });
  let execItems = [];
  let nextCursor = null;
  const loadMore = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      hidden: true,
      onclick: () => loadExecutions(true).catch(msg.error),
    },
    'Load more executions',
  );
  const ENDED = new Set(['succeeded', 'failed', 'outcome_unknown']);
  function retryButton(x) {
    return actionButton(
      ctx,
      ['Retry', h('span', { class: 'sr-only' }, ` execution ${x.id}`)],
      async () => {
        const from = h(
          'select',
          { id: 'rt-from' },
          h('option', { value: 'failed-step' }, 'From the failed step (earlier results reused)'),
          h('option', { value: 'start' }, 'From the start'),
        );
        const version = h(
          'select',
          { id: 'rt-version' },
          h('option', { value: 'original' }, `The version it ran (${x.version})`),
          h('option', { value: 'current' }, 'The current version'),
        );
        const ok = await confirmDialog({
          title: 'Retry this execution?',
          text: 'It runs again as a new execution of the same event; its actions may call Clockify or other systems again.',
          body: h(
            'div',
            {},
            h('div', { class: 'field' }, h('label', { for: 'rt-from' }, 'Start'), from),
            h('div', { class: 'field' }, h('label', { for: 'rt-version' }, 'Definition'), version),
          ),
          confirm: 'Retry',
        });
        if (!ok) return;
        const started = await api('POST', `/executions/${encodeURIComponent(x.id)}/retry`, {
          from: from.value,
          version: version.value,
        });
        msg.info(`Retry started as execution ${started.id}.`);
        await loadExecutions();
      },
      { class: 'secondary', disabled: !ENDED.has(x.status) },
    );
  }
  function renderExecutions() {
    executions.replaceChildren(
      table({
        caption: 'Executions of this flow, newest first',
        hideCaption: true,
        headers: ['Created', 'Status', 'Origin', 'Version', 'Error', 'Trace', 'Retry'],
        rows: execItems.map((x) => [
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
          ENDED.has(x.status) ? retryButton(x) : '—',
        ]),
        empty: 'No executions yet.',
      }),
    );
    scrollable(executions.firstChild, 'Executions');
    loadMore.hidden = nextCursor === null;
  }
  async function loadExecutions(more = false) {
    if (isNew) return;
    const res = await api(
      'GET',
      `${base}/executions${query({ limit: 20, cursor: more ? nextCursor : undefined })}`,
    );
    execItems = more ? [...execItems, ...res.items] : res.items;
    nextCursor = res.nextCursor;
    renderExecutions();
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
          ['Version', String(x.version)],
          ['Origin', x.replayOf ? `${x.origin} of ${x.replayOf}` : x.origin],
          ['Started', fmtTime(x.startedAt)],
          ['Finished', fmtTime(x.finishedAt)],
          ['Error', x.error],
        ]),
        ENDED.has(x.status) ? h('div', { class: 'actions' }, retryButton(x)) : null,
        scrollable(
          table({
            caption: 'Steps',
            headers: ['Action', 'Attempt', 'State', 'HTTP status', 'Latency', 'Error'],
            rows: x.steps.map((s) => [
              s.copiedFrom ? `${s.actionId} (reused)` : s.actionId,
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

  // Replay of stored events through this flow (a background job with progress).
  const rpFrom = h('input', { id: 'rp-from', type: 'datetime-local', disabled: blocked });
  const rpTo = h('input', { id: 'rp-to', type: 'datetime-local', disabled: blocked });
  const rpTypes = h('input', {
    id: 'rp-types',
    value: def.trigger.events.join(', '),
    autocomplete: 'off',
    disabled: blocked,
  });
  const rpLimit = h('input', {
    id: 'rp-limit',
    type: 'number',
    min: 1,
    max: 100_000,
    value: '1000',
    disabled: blocked,
  });
  const progress = h('div', { id: 'replay-progress', role: 'status' });
  function showProgress(rp) {
    progress.replaceChildren(
      h(
        'p',
        {},
        badge(rp.status, rp.status === 'running' ? 'running' : rp.status),
        ` ${rp.scanned} events scanned, ${rp.executions} executions created`,
        rp.error ? ` — ${rp.error}` : '',
      ),
      rp.status === 'running'
        ? h('progress', { 'aria-label': 'Replay in progress' })
        : h('progress', { value: 1, max: 1, 'aria-label': 'Replay finished' }),
    );
  }
  function poll(rp) {
    showProgress(rp);
    if (rp.status !== 'running') {
      loadExecutions().catch(msg.error);
      return;
    }
    const t = setTimeout(async () => {
      timers.delete(t);
      try {
        poll(await api('GET', `${base}/replays/${encodeURIComponent(rp.id)}`));
      } catch (err) {
        msg.error(err);
      }
    }, 1000);
    timers.add(t);
  }
  const replay = actionButton(ctx, 'Replay events', async () => {
    const ok = await confirmDialog({
      title: 'Replay stored events through this flow?',
      text: 'Each matching event starts a new execution: its actions call Clockify or other systems again.',
      confirm: 'Replay',
    });
    if (!ok) return;
    const iso = (v) => (v ? new Date(v).toISOString() : undefined);
    const types = rpTypes.value
      .split(',')
      .map((s2) => s2.trim())
      .filter(Boolean);
    const body = {
      ...(rpFrom.value ? { from: iso(rpFrom.value) } : {}),
      ...(rpTo.value ? { to: iso(rpTo.value) } : {}),
      ...(types.length ? { eventTypes: types } : {}),
      ...(rpLimit.value ? { limit: Number(rpLimit.value) } : {}),
    };
    poll(await api('POST', `${base}/replay`, body));
  });

  const header = isNew
    ? card(
        'New flow',
        h(
          'p',
          { class: 'muted' },
          'Choose the events that start it, its conditions and its actions, then create it (disabled: enable it after a dry run).',
        ),
      )
    : card(
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
            for (const t of timers) clearTimeout(t);
            root.replaceChildren();
            await renderDetail(ctx, root, flowId);
          }),
        ),
      );

  root.append(
    h('p', {}, h('a', { href: '#/flows' }, '← All flows')),
    msg.el,
    header,
    card(
      'Editor',
      field('fl-name', 'Flow name', name),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'fl-events' }, 'Trigger events'),
        events,
        h('p', { class: 'muted small' }, 'Ctrl or ⌘ + click to choose several.'),
      ),
      conditions.el,
      paths,
      actions.el,
      blocked ? h('p', { class: 'muted small' }, ctx.writeBlocked) : null,
      save,
    ),
    ...(isNew
      ? []
      : [
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
          card('Versions', versions, versionView),
          card(
            'Executions',
            h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => loadExecutions().catch(msg.error) },
              'Refresh executions',
            ),
            executions,
            loadMore,
          ),
          trace,
          card(
            'Replay stored events',
            h(
              'p',
              { class: 'muted' },
              'Runs stored events of a time range through this flow again, as new executions, in the background.',
            ),
            h(
              'div',
              { class: 'row wrap' },
              field('rp-from', 'From (optional)', rpFrom),
              field('rp-to', 'To (optional)', rpTo),
              field('rp-types', 'Event types (comma-separated, optional)', rpTypes),
              field('rp-limit', 'At most this many events', rpLimit),
            ),
            blocked ? h('p', { class: 'muted small' }, ctx.writeBlocked) : null,
            replay,
            progress,
          ),
        ]),
  );
  await Promise.all([loadExecutions(), loadVersions()]);
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
