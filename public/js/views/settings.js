// Settings (read-only here: they are changed in Clockify) and the workspace's admin API keys.
import { api } from '../api.js';
import {
  actionButton,
  badge,
  card,
  confirmDialog,
  copyField,
  fmtTime,
  h,
  messageArea,
  table,
} from '../ui.js';

export async function render(ctx, root) {
  const msg = messageArea();
  const inst = await api('GET', '/installation');
  const secret = h('div');
  const keys = h('div');

  const name = h('input', {
    id: 'key-name',
    name: 'name',
    required: true,
    maxlength: 100,
    autocomplete: 'off',
    disabled: !!ctx.keysBlocked,
  });
  const canWrite = h('input', {
    id: 'key-write',
    name: 'canWrite',
    type: 'checkbox',
    checked: true,
    disabled: !!ctx.keysBlocked,
  });
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const created = await api('POST', '/api-keys', { name: name.value, canWrite: canWrite.checked });
          secret.replaceChildren(
            h('p', { class: 'warn' }, 'Copy this key now: it is not shown again.'),
            copyField(`API key “${created.name}”`, created.key, { id: 'new-key' }),
          );
          form.reset();
          msg.clear();
          await load();
        } catch (err) {
          msg.error(err);
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'key-name' }, 'Key name'), name),
    h('div', { class: 'field check' }, canWrite, h('label', { for: 'key-write' }, 'can make changes')),
    h('button', { type: 'submit', disabled: !!ctx.keysBlocked, title: ctx.keysBlocked }, 'Create key'),
  );

  root.append(
    msg.el,
    card(
      'Settings',
      h('p', { class: 'muted' }, 'Change them in Clockify: Add-ons → this add-on → Settings.'),
      table({
        caption: 'Add-on settings',
        hideCaption: true,
        headers: ['Setting', 'Value'],
        rows: Object.entries(inst.settings).map(([k, v]) => [h('code', {}, k), String(v)]),
        empty: 'No settings.',
      }),
    ),
    card(
      'Admin API keys',
      h(
        'p',
        { class: 'muted' },
        'For scripts calling the admin API (',
        h('code', {}, 'Authorization: Bearer gwk_…'),
        '). ',
        h('a', { href: '/docs', target: '_blank', rel: 'noopener' }, 'API reference'),
      ),
      ctx.keysBlocked ? h('p', { class: 'muted small' }, ctx.keysBlocked) : null,
      form,
      secret,
      keys,
    ),
  );

  async function load() {
    const { items } = await api('GET', '/api-keys');
    const blocked = { ...ctx, writeBlocked: ctx.keysBlocked };
    keys.replaceChildren(
      table({
        caption: 'API keys',
        hideCaption: true,
        headers: ['Name', 'Prefix', 'Access', 'Created', 'Last used', ''],
        rows: items.map((k) => [
          k.name,
          h('code', {}, `${k.prefix}…`),
          k.canWrite ? 'read + write' : 'read',
          fmtTime(k.createdAt),
          fmtTime(k.lastUsedAt),
          k.revokedAt
            ? badge('revoked', 'warn')
            : actionButton(
                blocked,
                ['Revoke', h('span', { class: 'sr-only' }, ` ${k.name}`)],
                async () => {
                  if (
                    !(await confirmDialog({
                      title: `Revoke ${k.name}?`,
                      text: 'Scripts using it stop working at once.',
                      confirm: 'Revoke',
                      danger: true,
                    }))
                  )
                    return;
                  await api('DELETE', `/api-keys/${encodeURIComponent(k.id)}`);
                  await load();
                },
                { class: 'danger' },
              ),
        ]),
        empty: 'No API keys.',
      }),
    );
  }
  await load();
}
