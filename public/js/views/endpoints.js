// Outbound endpoints: where the gateway sends signed webhooks. The list with stats; create (secret shown
// once); pause/resume; rotate the secret (grace period); delete with confirmation. An endpoint's page
// (#/endpoints/<id>) is endpoint-detail.js; the forms and actions both use are in endpoint-parts.js.
import { api } from '../api.js';
import { badge, card, h, messageArea, table } from '../ui.js';
import { renderDetail } from './endpoint-detail.js';
import { STATUS_KIND, createForm, endpointActions, label, pct, showSecret } from './endpoint-parts.js';

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
