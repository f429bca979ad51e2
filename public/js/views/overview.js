// Overview: installation, bootstrap progress (with ETA, errors by operation and re-run), cache counts,
// events per hour, recent activity (events and flow runs), flow executions by status (last 24 h) and
// outbound deliveries by status. A cached type's entries: #/overview/cache/<type>.
import { api, query } from '../api.js';
import { actionButton, badge, card, dl, fmtDuration, fmtTime, h, messageArea, svg, table } from '../ui.js';

const POLL_MS = 2_000;

export async function render(ctx, root, [sub, entityType]) {
  if (sub === 'cache' && entityType) return renderCache(root, entityType);
  const msg = messageArea();
  const installation = h('div');
  const bootstrap = h('div');
  const chart = h('div');
  const cache = h('div');
  const recent = h('div');
  const flowRuns = h('div');
  const deliveries = h('div');
  root.append(
    msg.el,
    h(
      'div',
      { class: 'grid' },
      card('Installation', installation),
      card('Workspace set-up (bootstrap)', bootstrap),
    ),
    card('Events received per hour (last 24 h)', chart),
    h('div', { class: 'grid' }, card('Cached Clockify data', cache), card('Recent activity', recent)),
    h(
      'div',
      { class: 'grid' },
      card('Flow executions (last 24 h)', flowRuns),
      card('Outbound deliveries', deliveries),
    ),
  );

  let timer = null;
  let stopped = false;

  function loadDashboard() {
    return api('GET', '/dashboard').then((d) => {
      flowRuns.replaceChildren(
        table({
          caption: 'Flow executions by status, last 24 hours',
          hideCaption: true,
          headers: ['Status', 'Executions'],
          rows: [
            ...Object.entries(d.flows.last24h).map(([k, v]) => [badge(k), String(v)]),
            ...(d.flows.skippedLast24h ? [['events not matched', String(d.flows.skippedLast24h)]] : []),
          ],
          empty: 'No flow ran in the last 24 hours.',
        }),
        h('p', {}, h('a', { href: '#/flows' }, 'Flows')),
      );
      return cache.replaceChildren(
        h('p', {}, `${d.cache.total} entities cached`),
        table({
          caption: 'Cached entities by type',
          hideCaption: true,
          headers: ['Type', 'Count'],
          rows: Object.entries(d.cache.byType)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => [h('a', { href: `#/overview/cache/${encodeURIComponent(k)}` }, k), String(v)]),
          empty: 'Nothing cached yet.',
        }),
      );
    });
  }

  const busy = (run) => run && (run.status === 'running' || run.status === 'queued');
  let wasBusy = false;
  async function loadBootstrap() {
    const { run } = await api('GET', '/bootstrap');
    bootstrap.replaceChildren(...bootstrapView(ctx, run, rerun).filter(Boolean));
    // A run that just ended has filled the cache: its counts are shown again.
    if (wasBusy && !busy(run) && !stopped) await loadDashboard();
    wasBusy = busy(run);
    if (!stopped && busy(run)) timer = setTimeout(() => loadBootstrap().catch(msg.error), POLL_MS);
  }
  async function rerun() {
    await api('POST', '/bootstrap/trigger');
    msg.info('A new set-up run has started.');
    clearTimeout(timer);
    await loadBootstrap();
  }

  const loads = [
    api('GET', '/installation').then((inst) =>
      installation.replaceChildren(
        dl([
          ['Status', badge(inst.status, inst.status === 'ACTIVE' ? 'ok' : 'warn')],
          ['Workspace', inst.workspaceId],
          ['Installed', fmtTime(inst.installedAt)],
          ['Clockify webhooks', String(inst.webhookCount ?? '—')],
        ]),
      ),
    ),
    loadBootstrap(),
    api('GET', '/stats/hourly').then(({ buckets }) => chart.replaceChildren(hourlyChart(buckets))),
    loadDashboard(),
    api('GET', '/endpoints').then(async ({ items }) => {
      const stats = await Promise.all(items.map((e) => api('GET', `/endpoints/${e.id}/stats`)));
      const sum = (k) => stats.reduce((a, s) => a + s[k], 0);
      deliveries.replaceChildren(
        items.length === 0
          ? h('p', { class: 'muted' }, 'No outbound endpoints yet.')
          : table({
              caption: 'Outbound messages by status, all endpoints',
              hideCaption: true,
              headers: ['Status', 'Messages'],
              rows: [
                [badge('delivered', 'ok'), String(sum('delivered'))],
                [badge('pending', 'queued'), String(sum('pending'))],
                [badge('failed'), String(sum('failed'))],
              ],
            }),
        h('p', {}, h('a', { href: '#/endpoints' }, `${items.length} endpoint(s)`)),
      );
    }),
    Promise.all([
      api('GET', '/webhooks?limit=8'),
      api('GET', '/executions?limit=8'),
      api('GET', '/flows'),
    ]).then(([events, runs, flows]) =>
      recent.replaceChildren(activity(events.items, runs.items, flows.items)),
    ),
  ];
  const results = await Promise.allSettled(loads);
  for (const r of results) if (r.status === 'rejected') msg.error(r.reason);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

const RUN_KIND = { succeeded: 'ok', failed: 'failed', waiting: 'queued', outcome_unknown: 'warn' };

/** The latest received events and flow runs, newest first, each linking to where it is shown. */
function activity(events, runs, flows) {
  const names = new Map(flows.map((f) => [f.id, f.name]));
  const rows = [
    ...events.map((e) => ({
      at: e.receivedAt,
      what: h(
        'a',
        { href: `#/events/${encodeURIComponent(e.id)}` },
        `Event ${e.eventType}`,
        e.sourceId ? '' : ' (Clockify)',
      ),
      status: badge(e.status),
    })),
    ...runs.map((x) => ({
      at: x.createdAt,
      what: h(
        'a',
        { href: `#/flows/${encodeURIComponent(x.flowId)}` },
        `Flow run: ${names.get(x.flowId) ?? x.flowId}`,
        x.origin === 'event' ? '' : ` (${x.origin})`,
      ),
      status: badge(x.status, RUN_KIND[x.status]),
    })),
  ]
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, 10);
  return table({
    caption: 'Recent activity: events received and flow runs, newest first',
    hideCaption: true,
    headers: ['When', 'What', 'Status'],
    rows: rows.map((r) => [fmtTime(r.at), r.what, r.status]),
    empty: 'No events received yet.',
  });
}

function bootstrapView(ctx, run, rerun) {
  const button = actionButton(ctx, 'Re-run set-up', rerun, {
    disabled: run && (run.status === 'running' || run.status === 'queued'),
  });
  if (!run) return [h('p', { class: 'muted' }, 'No set-up run yet.'), button];
  const { total, done } = run.operations;
  const progress = h('progress', { max: Math.max(total, 1), value: done, id: 'bootstrap-progress' });
  const failed = run.summary.filter((s) => s.failed > 0);
  return [
    h('label', { for: 'bootstrap-progress' }, `${done} of ${total} lists done`),
    progress,
    dl([
      ['Status', badge(run.status)],
      ['Entities', String(run.entities)],
      ['Time left', run.status === 'running' ? fmtDuration(run.estimatedSecondsLeft) : '—'],
      ['Errors', String(run.errors)],
      ['Finished', fmtTime(run.finishedAt)],
    ]),
    run.lastError ? h('p', { class: 'error' }, run.lastError) : null,
    failed.length
      ? table({
          caption: 'Errors by operation',
          headers: ['Operation', 'Failed'],
          rows: failed.map((s) => [s.operationId, String(s.failed)]),
        })
      : null,
    button,
  ];
}

/** Bars per hour as inline SVG (no chart library); each bar has a tooltip, the whole a text summary. */
function hourlyChart(buckets) {
  const max = Math.max(1, ...buckets.map((b) => b.events));
  const total = buckets.reduce((a, b) => a + b.events, 0);
  const W = 480;
  const H = 120;
  const bw = W / buckets.length;
  const hourLabel = (iso) =>
    new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const bars = buckets.map((b, i) => {
    const bh = b.events === 0 ? 0 : Math.max(2, (b.events / max) * (H - 20));
    return svg(
      'rect',
      { x: i * bw + 1, y: H - 16 - bh, width: bw - 2, height: bh, class: 'bar' },
      svg('title', {}, `${hourLabel(b.hour)}: ${b.events} event${b.events === 1 ? '' : 's'}`),
    );
  });
  const labels = [0, 6, 12, 18, 23].map((i) =>
    svg(
      'text',
      { x: i * bw + bw / 2, y: H - 3, 'text-anchor': 'middle', class: 'axis' },
      hourLabel(buckets[i].hour),
    ),
  );
  return h(
    'figure',
    { class: 'chart' },
    svg(
      'svg',
      {
        viewBox: `0 0 ${W} ${H}`,
        role: 'img',
        'aria-label': `${total} events in the last 24 hours; busiest hour ${max === 1 && total === 0 ? 0 : max}`,
      },
      svg('line', { x1: 0, x2: W, y1: H - 16, y2: H - 16, class: 'baseline' }),
      bars,
      labels,
    ),
    h(
      'figcaption',
      { class: 'muted' },
      `${total} events in the last 24 hours (peak ${total === 0 ? 0 : max} per hour)`,
    ),
  );
}

/** The cached entries of one Clockify entity type, 50 at a time: id, name, when fetched, the JSON. */
async function renderCache(root, entityType) {
  const msg = messageArea();
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  let cursor = null;
  async function load() {
    const page = await api(
      'GET',
      `/cache/${encodeURIComponent(entityType)}${query({ limit: 50, cursor: cursor ?? undefined })}`,
    );
    tbody.append(
      ...page.items.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, h('code', {}, e.id)),
          h('td', {}, typeof e.data?.name === 'string' ? e.data.name : '—'),
          h('td', {}, fmtTime(e.fetchedAt)),
          h(
            'td',
            {},
            h(
              'details',
              {},
              h('summary', {}, 'JSON', h('span', { class: 'sr-only' }, ` of ${e.id}`)),
              h(
                'pre',
                { class: 'code', tabindex: 0, 'aria-label': `Cached ${entityType} ${e.id}` },
                JSON.stringify(e.data, null, 2),
              ),
            ),
          ),
        ),
      ),
    );
    cursor = page.nextCursor;
    more.hidden = cursor === null;
  }
  more.addEventListener('click', () => load().catch(msg.error));
  root.append(
    h('p', {}, h('a', { href: '#/overview' }, '← Overview')),
    msg.el,
    card(
      `Cached ${entityType} entries`,
      h(
        'p',
        { class: 'muted small' },
        'What the gateway keeps of Clockify (filled by the set-up run and kept fresh by webhooks); flows read it as cache.<type>.',
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h('caption', { class: 'sr-only' }, `Cached ${entityType} entries`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Id', 'Name', 'Fetched', 'Data'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          tbody,
        ),
      ),
      more,
    ),
  );
  await load();
}
