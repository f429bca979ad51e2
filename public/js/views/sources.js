// Sources: external systems that send webhooks. List with stats; create from a preset (URL + secret once +
// signed test command); rotate the secret; disable/enable; delete with confirmation. A source's rejected
// requests, the quarantine (#/sources/<id>/rejections, `clockify` for Clockify's).
import { api } from '../api.js';
import { testCommand } from '../curl.js';
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

/** A rejected count; when there are some, a link to the source's quarantine. */
function rejected(id, name, n) {
  if (!n) return '0';
  return h(
    'a',
    { href: `#/sources/${encodeURIComponent(id)}/rejections` },
    String(n),
    h('span', { class: 'sr-only' }, ` rejected requests of ${name}: show them`),
  );
}

/** The last rejected requests of a source: when, why, the event type if known, size, redacted headers. */
async function renderRejections(root, sourceId) {
  const [{ items }, { items: sources }] = await Promise.all([
    api('GET', `/sources/${encodeURIComponent(sourceId)}/rejections`),
    api('GET', '/sources'),
  ]);
  const name =
    sourceId === 'clockify' ? 'Clockify' : (sources.find((s) => s.id === sourceId)?.name ?? sourceId);
  root.append(
    h('p', {}, h('a', { href: '#/sources' }, '← All sources')),
    card(
      `Rejected requests of ${name}`,
      h(
        'p',
        { class: 'muted small' },
        'The last requests the gateway refused (bad signature, unknown or disabled source, too large…): they were not stored as events. Headers are shown with secrets redacted.',
      ),
      table({
        caption: `Rejected requests of ${name}, newest first`,
        hideCaption: true,
        headers: ['Received', 'Reason', 'Event type', 'Size', 'Headers'],
        rows: items.map((r) => [
          fmtTime(r.receivedAt),
          r.reason,
          r.eventType ?? '—',
          fmtBytes(r.bodyBytes),
          h(
            'details',
            {},
            h('summary', {}, `${Object.keys(r.headers).length} headers`),
            h(
              'pre',
              {
                class: 'code',
                tabindex: 0,
                'aria-label': `Headers of the request rejected at ${fmtTime(r.receivedAt)}`,
              },
              Object.entries(r.headers)
                .sort()
                .map(([k, v]) => `${k}: ${v}`)
                .join('\n'),
            ),
          ),
        ]),
        empty: 'No rejected request.',
      }),
    ),
  );
}

export async function render(ctx, root, [sourceId, sub]) {
  if (sourceId && sub === 'rejections') return renderRejections(root, sourceId);
  const msg = messageArea();
  const reveal = h('div', { id: 'secret-panel' });
  const list = h('div');
  const [{ items: providers }] = await Promise.all([api('GET', '/providers')]);
  const form = createForm(
    ctx,
    providers,
    async (created) => {
      showSecret(reveal, created, 'Source created');
      await load();
    },
    msg,
  );
  root.append(msg.el, reveal, card('Your sources', list), card('New source', form));

  async function load() {
    const [{ items }, { items: stats }] = await Promise.all([api('GET', '/sources'), api('GET', '/stats')]);
    const byId = new Map(stats.map((s) => [s.source, s]));
    const clockify = byId.get('clockify');
    list.replaceChildren(
      table({
        caption: 'Webhook sources of this workspace',
        hideCaption: true,
        headers: ['Name', 'Verification', 'Status', 'Received', 'Rejected', 'Last received', 'Actions'],
        rows: [
          ...(clockify
            ? [
                [
                  'Clockify',
                  'Clockify JWT',
                  badge('enabled', 'ok'),
                  String(clockify.received),
                  rejected('clockify', 'Clockify', clockify.rejected),
                  fmtTime(clockify.lastReceivedAt),
                  '',
                ],
              ]
            : []),
          ...items.map((s) => {
            const st = byId.get(s.id);
            return [
              s.name,
              providers.find((p) => p.id === s.verification.scheme)?.name ?? s.verification.scheme,
              s.enabled ? badge('enabled', 'ok') : badge('disabled', 'warn'),
              String(st?.received ?? 0),
              rejected(s.id, s.name, st?.rejected ?? 0),
              fmtTime(st?.lastReceivedAt),
              actions(s),
            ];
          }),
        ],
        empty: 'No sources yet: create one below.',
      }),
    );
  }

  function actions(s) {
    return h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'secondary', onclick: () => showUrl(reveal, s) },
        'URL & test',
        h('span', { class: 'sr-only' }, ` for ${s.name}`),
      ),
      actionButton(
        ctx,
        [s.enabled ? 'Disable' : 'Enable', h('span', { class: 'sr-only' }, ` ${s.name}`)],
        async () => {
          await api('PATCH', `/sources/${s.id}`, { enabled: !s.enabled });
          msg.info(
            `${s.name} ${s.enabled ? 'disabled: its URL answers 404 until enabled again' : 'enabled'}.`,
          );
          await load();
        },
        { class: 'secondary' },
      ),
      actionButton(
        ctx,
        ['Rotate secret', h('span', { class: 'sr-only' }, ` of ${s.name}`)],
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
            title: `Rotate the secret of ${s.name}?`,
            text: 'A new secret is made. Update the other system with it; the old one keeps working for:',
            body: h(
              'div',
              { class: 'field' },
              h('label', { for: 'grace' }, 'Old secret keeps working'),
              grace,
            ),
            confirm: 'Rotate',
          });
          if (!ok) return;
          const rotated = await api('POST', `/sources/${s.id}/rotate-secret`, {
            graceSeconds: Number(grace.value),
          });
          showSecret(reveal, rotated, 'Secret rotated');
          await load();
        },
        { class: 'secondary', disabled: s.verification.scheme === 'none' },
      ),
      actionButton(
        ctx,
        ['Delete', h('span', { class: 'sr-only' }, ` ${s.name}`)],
        async () => {
          const ok = await confirmDialog({
            title: `Delete ${s.name}?`,
            text: 'Its URL stops working at once. Events already received stay in the log until retention.',
            confirm: 'Delete',
            danger: true,
          });
          if (!ok) return;
          await api('DELETE', `/sources/${s.id}`);
          reveal.replaceChildren();
          await load(); // announced once the list no longer shows it
          msg.info(`${s.name} deleted.`);
        },
        { class: 'danger' },
      ),
    );
  }

  await load();
}

/** The URL, the secret (once) and a signed test command, after create or rotate. */
function showSecret(panel, source, title) {
  const hasSecret = source.secret !== null && source.secret !== undefined;
  panel.replaceChildren(
    h(
      'section',
      { class: 'card reveal', 'aria-labelledby': 'reveal-title' },
      h('h2', { id: 'reveal-title' }, `${title}: ${source.name}`),
      copyField('URL to paste into the other system', source.url, { id: 'source-url' }),
      hasSecret
        ? [
            h('p', { class: 'warn' }, 'Copy the secret now: it is not shown again.'),
            copyField('Secret', source.secret, { id: 'source-secret' }),
          ]
        : h('p', { class: 'muted' }, 'This source has no secret: anyone with the URL can send to it.'),
      copyField(
        'Send a signed test event (bash, curl, openssl)',
        testCommand(source, hasSecret ? source.secret : null),
        {
          multiline: true,
          id: 'test-command',
        },
      ),
      h('p', { class: 'muted' }, 'Then look for it in the ', h('a', { href: '#/events' }, 'event log'), '.'),
    ),
  );
  panel.querySelector('#source-url')?.focus();
}

/** The URL and a test command with a placeholder for the secret (it is not stored readable). */
function showUrl(panel, source) {
  const needsSecret = source.verification.scheme !== 'none';
  panel.replaceChildren(
    h(
      'section',
      { class: 'card reveal', 'aria-labelledby': 'reveal-title' },
      h('h2', { id: 'reveal-title' }, source.name),
      copyField('URL to paste into the other system', source.url, { id: 'source-url' }),
      copyField(
        'Send a signed test event (put the secret in SECRET)',
        testCommand(source, needsSecret ? 'PASTE-THE-SECRET' : null),
        {
          multiline: true,
          id: 'test-command',
        },
      ),
    ),
  );
  panel.querySelector('#source-url')?.focus();
}

/** The create form: name, preset, the preset's parameters, optional secret. */
function createForm(ctx, providers, onCreated, msg) {
  const presetSelect = h(
    'select',
    { id: 'src-preset', name: 'preset', required: true },
    providers.map((p) => h('option', { value: p.id }, p.name)),
  );
  const description = h('p', { class: 'muted', id: 'src-preset-desc' });
  const params = h('div', { class: 'params' });
  const secretInput = h('input', { id: 'src-secret', name: 'secret', autocomplete: 'off', maxlength: 1024 });
  const secretHelp = h('p', { class: 'muted small', id: 'src-secret-help' });
  const secretField = h(
    'div',
    { class: 'field' },
    h('label', { for: 'src-secret' }, 'Secret (optional)'),
    secretInput,
    secretHelp,
  );
  secretInput.setAttribute('aria-describedby', 'src-secret-help');
  presetSelect.setAttribute('aria-describedby', 'src-preset-desc');

  const preset = () => providers.find((p) => p.id === presetSelect.value);
  function renderParams() {
    const p = preset();
    description.textContent = p.description;
    secretHelp.textContent = p.secret.format;
    secretField.hidden = p.id === 'none';
    params.replaceChildren(
      ...p.params.map((param) => {
        const id = `src-p-${param.name.replace(/\./g, '-')}`;
        const input =
          param.type === 'enum'
            ? h(
                'select',
                { id, name: param.name },
                param.options.map((o) => h('option', { value: o, selected: o === param.default }, o)),
              )
            : h('input', {
                id,
                name: param.name,
                type: param.type === 'integer' ? 'number' : 'text',
                min: param.min,
                max: param.max,
                placeholder:
                  param.default !== undefined && param.default !== null && param.default !== ''
                    ? String(param.default)
                    : undefined,
                required: param.required && !param.when,
              });
        input.setAttribute('aria-describedby', `${id}-help`);
        const field = h(
          'div',
          {
            class: 'field',
            'data-when': param.when ? `${param.when.param}=${param.when.equals}` : undefined,
          },
          h('label', { for: id }, param.name + (param.required ? '' : ' (optional)')),
          input,
          h('p', { class: 'muted small', id: `${id}-help` }, param.description),
        );
        return field;
      }),
    );
    applyWhen();
  }
  function applyWhen() {
    for (const field of params.querySelectorAll('[data-when]')) {
      const [name, value] = field.dataset.when.split('=');
      const control = params.querySelector(`[name="${name}"]`);
      const on = control?.value === value;
      field.hidden = !on;
      const input = field.querySelector('input, select');
      const param = preset().params.find((q) => q.name === input.name);
      input.required = on && param.required;
    }
  }
  presetSelect.addEventListener('change', renderParams);
  params.addEventListener('change', applyWhen);

  const nameInput = h('input', {
    id: 'src-name',
    name: 'name',
    required: true,
    maxlength: 100,
    autocomplete: 'off',
  });
  const submit = h(
    'button',
    { type: 'submit', disabled: !!ctx.writeBlocked, title: ctx.writeBlocked },
    'Create source',
  );
  const form = h(
    'form',
    {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        const p = preset();
        const verification = { scheme: p.id };
        for (const param of p.params) {
          const input = params.querySelector(`[name="${param.name}"]`);
          if (!input || input.closest('[hidden]') || input.value === '') continue;
          const value = param.type === 'integer' ? Number(input.value) : input.value;
          const path = param.name.split('.');
          let obj = verification;
          for (const key of path.slice(0, -1)) obj = obj[key] ??= {};
          obj[path.at(-1)] = value;
        }
        const body = { name: nameInput.value, verification };
        if (secretInput.value && p.id !== 'none') body.secret = secretInput.value;
        submit.disabled = true;
        try {
          const created = await api('POST', '/sources', body);
          msg.clear();
          form.reset();
          renderParams();
          await onCreated(created);
        } catch (err) {
          msg.error(err);
        } finally {
          submit.disabled = !!ctx.writeBlocked;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'src-name' }, 'Name'), nameInput),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'src-preset' }, 'Sender (verification preset)'),
      presetSelect,
      description,
    ),
    params,
    secretField,
    ctx.writeBlocked ? h('p', { class: 'muted small' }, ctx.writeBlocked) : null,
    submit,
  );
  for (const el of [nameInput, presetSelect, secretInput]) el.disabled = !!ctx.writeBlocked;
  renderParams();
  return form;
}
