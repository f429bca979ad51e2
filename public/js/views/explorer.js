// API explorer: search Clockify's operations, fill the parameters, send (writes need a typed
// confirmation), read the answer, copy it as code, reuse it in a flow; recent calls (docs/api-explorer.md).
import { api, query } from '../api.js';
import { schemaForm } from '../schema-form.js';
import {
  actionButton,
  badge,
  card,
  confirmDialog,
  copyField,
  fmtBytes,
  fmtTime,
  h,
  messageArea,
  table,
} from '../ui.js';
import { NEW_FLOW_ACTION_KEY } from './flows.js';

/** Bodies longer than this are shown in part until asked, so the page stays responsive on large answers. */
const PREVIEW_CHARS = 20_000;

/** Optional query parameters folded away (Clockify's lists have a dozen or more). */
const optionalQuery = (fields) =>
  fields.length === 0
    ? null
    : h('details', { class: 'optional' }, h('summary', {}, `Optional parameters (${fields.length})`), fields);

export async function render(ctx, root) {
  const msg = messageArea();
  const results = h('div', { class: 'op-list' });
  const detail = h('div');
  const answer = h('div', { id: 'explorer-answer' });
  const history = h('div');

  const q = h('input', {
    id: 'x-q',
    type: 'search',
    placeholder: 'e.g. projects, time entry',
    maxlength: 200,
  });
  const method = h(
    'select',
    { id: 'x-method' },
    h('option', { value: '' }, 'Any method'),
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m }, m)),
  );
  const search = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        list().catch(msg.error);
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'x-q' }, 'Search operations'), q),
    h('div', { class: 'field' }, h('label', { for: 'x-method' }, 'Method'), method),
    h('div', { class: 'field end' }, h('button', { type: 'submit' }, 'Search')),
  );

  root.append(
    msg.el,
    card('Clockify API operations', search, results),
    detail,
    answer,
    card('Recent calls', history),
  );

  async function list() {
    const res = await api(
      'GET',
      `/api-explorer/operations${query({ q: q.value.trim(), method: method.value })}`,
    );
    const shown = res.items.slice(0, 50);
    results.replaceChildren(
      h(
        'p',
        { class: 'muted small' },
        `${res.total} operations${res.total > shown.length ? `, first ${shown.length} shown: narrow the search` : ''}`,
      ),
      h(
        'ul',
        { class: 'plain' },
        shown.map((op) =>
          h(
            'li',
            {},
            h(
              'button',
              { type: 'button', class: 'link', onclick: () => open(op.operationId).catch(msg.error) },
              h('span', { class: `method m-${op.method.toLowerCase()}` }, op.method),
              ' ',
              op.path,
            ),
            h('span', { class: 'muted small' }, ` ${op.summary}`),
            op.flags.write ? [' ', badge('changes data', 'warn')] : null,
          ),
        ),
      ),
    );
  }

  async function open(operationId) {
    const op = await api('GET', `/api-explorer/operations/${encodeURIComponent(operationId)}`);
    answer.replaceChildren();
    const inputs = [];
    const paramField = (p) => {
      const id = `x-p-${p.in}-${p.name}`;
      const schema = p.schema ?? {};
      const example = p.in === 'path' ? op.example.pathParams[p.name] : op.example.query[p.name];
      const control = Array.isArray(schema.enum)
        ? h(
            'select',
            { id },
            p.required ? null : h('option', { value: '' }, '—'),
            schema.enum.map((v) =>
              h('option', { value: String(v), selected: String(v) === String(example) }, String(v)),
            ),
          )
        : schema.type === 'boolean'
          ? h(
              'select',
              { id },
              h('option', { value: '' }, '—'),
              h('option', { value: 'true' }, 'true'),
              h('option', { value: 'false' }, 'false'),
            )
          : h('input', {
              id,
              type: schema.type === 'integer' || schema.type === 'number' ? 'number' : 'text',
              value: example ?? '',
              required: p.required,
            });
      const error = h('p', { class: 'error small', id: `${id}-err` });
      control.setAttribute('aria-describedby', `${id}-err`);
      inputs.push({ p, control, schema, error });
      return h(
        'div',
        { class: 'field' },
        h('label', { for: id }, `${p.name}${p.required ? '' : ' (optional)'}`),
        control,
        p.description ? h('p', { class: 'muted small' }, p.description) : null,
        error,
      );
    };
    // The body as a form built from its schema (JSON view on demand), prefilled with the example.
    const bodyForm = op.requestBody
      ? schemaForm(op.requestBody.schema ?? {}, {
          value: op.example.body,
          idPrefix: 'x-body',
          label: 'Body',
        })
      : null;
    /** A 422's issues next to their fields: parameters here, the body's in its form. */
    const showIssues = (issues) => {
      const rest = [];
      for (const i of inputs) {
        i.error.textContent = '';
        i.control.removeAttribute('aria-invalid');
      }
      const bodyIssues = [];
      for (const issue of issues) {
        const m = /^(pathParams|query)\.(.+)$/.exec(issue.path);
        const param =
          m && inputs.find((i) => i.p.in === (m[1] === 'query' ? 'query' : 'path') && i.p.name === m[2]);
        if (param) {
          param.error.textContent = issue.message;
          param.control.setAttribute('aria-invalid', 'true');
          param.control.closest('details')?.setAttribute('open', '');
        } else if (bodyForm && /^body([.[]|$)/.test(issue.path))
          bodyIssues.push({ ...issue, path: issue.path.replace(/^body\.?/, '') });
        else rest.push(issue);
      }
      if (bodyForm)
        rest.push(...bodyForm.showIssues(bodyIssues).map((i) => ({ ...i, path: `body.${i.path}` })));
      else if (bodyIssues.length) rest.push(...bodyIssues);
      return rest;
    };
    const collect = () => {
      const pathParams = {};
      const q2 = {};
      for (const { p, control, schema } of inputs) {
        if (control.value === '') continue;
        const v =
          schema.type === 'integer' || schema.type === 'number'
            ? Number(control.value)
            : schema.type === 'boolean'
              ? control.value === 'true'
              : control.value;
        if (p.in === 'path') pathParams[p.name] = String(v);
        else q2[p.name] = v;
      }
      const input = { operationId: op.operationId, pathParams, query: q2 };
      if (bodyForm) {
        const body = bodyForm.getValue();
        if (body !== undefined) input.body = body;
      }
      return input;
    };
    const send = async () => {
      const input = collect();
      showIssues([]);
      let result;
      try {
        result = await api('POST', '/api-explorer/execute', input);
      } catch (err) {
        if (err.code === 'INPUT_INVALID' && Array.isArray(err.details?.issues)) {
          showIssues(err.details.issues);
          throw new Error(`${err.message} The fields concerned say what to change.`);
        }
        if (err.code !== 'CONFIRMATION_REQUIRED') throw err;
        const phrase = err.details?.expectedConfirm ?? `${op.method} ${op.path}`;
        const typed = h('input', { id: 'x-confirm', autocomplete: 'off' });
        const ok = await confirmDialog({
          title: 'This call changes Clockify data',
          text: `Type “${phrase}” to send it.`,
          body: h('div', { class: 'field' }, h('label', { for: 'x-confirm' }, 'Confirmation'), typed),
          confirm: 'Send',
          danger: true,
        });
        if (!ok) return;
        result = await api('POST', '/api-explorer/execute', { ...input, confirm: typed.value });
      }
      showAnswer(result);
      await loadHistory();
    };
    const snippetOut = h('div');
    const snippet = (lang) => async () => {
      const s = await api('POST', `/api-explorer/snippet${query({ lang })}`, collect());
      snippetOut.replaceChildren(copyField(`As ${lang}`, s.code, { multiline: true, id: 'x-snippet' }));
    };
    const sendButton = h('button', { type: 'submit' }, 'Send');
    const writeNote = op.flags.write
      ? h(
          'p',
          { class: 'warn' },
          ctx.writeBlocked ?? 'This operation changes data in Clockify: you will be asked to confirm.',
        )
      : null;
    if (op.flags.write && ctx.writeBlocked) {
      sendButton.disabled = true;
      sendButton.title = ctx.writeBlocked;
    }
    detail.replaceChildren(
      card(
        `${op.method} ${op.path}`,
        h(
          'p',
          {},
          op.summary,
          ' ',
          op.flags.write ? badge('changes data', 'warn') : badge('read only', 'ok'),
        ),
        op.blocked ? h('p', { class: 'error' }, op.blocked) : null,
        writeNote,
        h(
          'form',
          {
            class: 'stack',
            onsubmit: async (e) => {
              e.preventDefault();
              sendButton.disabled = true;
              msg.clear();
              try {
                await send();
              } catch (err) {
                msg.error(err);
              } finally {
                sendButton.disabled = op.flags.write && !!ctx.writeBlocked;
              }
            },
          },
          op.parameters.filter((p) => p.in === 'path').map(paramField),
          op.parameters.filter((p) => p.in === 'query' && p.required).map(paramField),
          optionalQuery(op.parameters.filter((p) => p.in === 'query' && !p.required).map(paramField)),
          bodyForm
            ? h(
                'fieldset',
                { class: 'sf-body' },
                h('legend', {}, `Body${op.requestBody.required ? '' : ' (optional)'}`),
                bodyForm.el,
              )
            : null,
          h(
            'div',
            { class: 'actions' },
            sendButton,
            ['curl', 'fetch', 'python'].map((lang) =>
              h(
                'button',
                { type: 'button', class: 'secondary', onclick: () => snippet(lang)().catch(msg.error) },
                `Copy as ${lang}`,
              ),
            ),
          ),
        ),
        snippetOut,
      ),
    );
    detail.querySelector('input, select, textarea, button[type="submit"]')?.focus();
  }

  function showAnswer(r) {
    const text = r.bodyKind === 'json' ? JSON.stringify(r.body, null, 2) : String(r.body ?? '');
    // A large body is shown in part: a <pre> of megabytes makes the page sluggish in the sidebar.
    const cut = text.length > PREVIEW_CHARS ? text.lastIndexOf('\n', PREVIEW_CHARS) : -1;
    const preview = text.length > PREVIEW_CHARS ? text.slice(0, cut > 0 ? cut : PREVIEW_CHARS) : text;
    const pre = h('pre', { class: 'code', tabindex: 0, 'aria-label': 'Response body' }, preview);
    const partNote =
      text.length > PREVIEW_CHARS
        ? h(
            'p',
            { class: 'muted small', id: 'x-answer-part' },
            `Showing the first ${fmtBytes(preview.length)} of ${fmtBytes(text.length)}.`,
          )
        : null;
    const more =
      text.length > PREVIEW_CHARS
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: (e) => {
                pre.textContent = text;
                partNote.textContent = `Showing all ${fmtBytes(text.length)}.`;
                e.currentTarget.remove();
                pre.focus();
              },
            },
            `Show all ${fmtBytes(text.length)}`,
          )
        : null;
    const flow = h('div');
    answer.replaceChildren(
      card(
        'Response',
        h(
          'p',
          { role: 'status' },
          badge(r.status === null ? r.outcome : `HTTP ${r.status}`, r.ok ? 'ok' : 'failed'),
          ` ${r.explanation} · ${Math.round(r.latencyMs)} ms`,
        ),
        r.truncated
          ? h('p', { class: 'muted small' }, 'The answer was cut at the gateway’s size limit.')
          : null,
        partNote,
        pre,
        more,
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: async () => {
                try {
                  const action = await api(
                    'GET',
                    `/api-explorer/history/${encodeURIComponent(r.id)}/as-flow-action`,
                  );
                  flow.replaceChildren(
                    copyField('Flow action (paste into a flow’s actions)', JSON.stringify(action, null, 2), {
                      multiline: true,
                      id: 'x-flow-action',
                    }),
                    // The flow editor picks the action up from this tab's session storage (flows.js).
                    actionButton(ctx, 'Start a new flow with this action', () => {
                      sessionStorage.setItem(NEW_FLOW_ACTION_KEY, JSON.stringify(action));
                      location.hash = '#/flows/new';
                    }),
                  );
                } catch (err) {
                  msg.error(err);
                }
              },
            },
            'Use in a flow',
          ),
        ),
        flow,
      ),
    );
  }

  async function loadHistory() {
    const { items } = await api('GET', '/api-explorer/history?limit=10');
    history.replaceChildren(
      table({
        caption: 'Recent API explorer calls',
        hideCaption: true,
        headers: ['When', 'Call', 'Result', 'Who'],
        rows: items.map((c) => [
          fmtTime(c.createdAt),
          `${c.method} ${c.path}`,
          c.status === null ? c.outcome : String(c.status),
          c.who.name ?? c.who.kind,
        ]),
        empty: 'No calls yet.',
      }),
    );
  }

  await Promise.all([list(), loadHistory()]);
}
