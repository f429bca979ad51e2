// The admin page Clockify shows in its sidebar. Clockify passes a user token as ?auth_token=…;
// it is moved into memory and out of the address bar, then sent as a Bearer token to /ui/*.
const params = new URLSearchParams(location.search);
let token = params.get('auth_token') || sessionStorage.getItem('gw_token') || '';
if (params.has('auth_token')) {
  sessionStorage.setItem('gw_token', token);
  history.replaceState(null, '', location.pathname);
}

const $ = (sel) => document.querySelector(sel);
const text = (v) => document.createTextNode(v == null ? '—' : String(v));

async function api(method, path, body) {
  const res = await fetch(`/ui${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok)
    throw new Error(data?.error ? `${data.error.code}: ${data.error.message}` : `HTTP ${res.status}`);
  return data;
}

function showError(err) {
  const el = $('#error');
  el.hidden = false;
  el.textContent = err instanceof Error ? err.message : String(err);
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.append(c instanceof Node ? c : text(c));
    tr.append(td);
  }
  return tr;
}

async function loadInstallation() {
  const inst = await api('GET', '/installation');
  const dl = $('#installation');
  dl.replaceChildren();
  for (const [k, v] of [
    ['Workspace', inst.workspaceId],
    ['Status', inst.status],
    ['API', inst.apiUrl],
    ['Installed', inst.installedAt],
    ['Clockify webhooks', inst.webhookCount],
  ]) {
    const dt = document.createElement('dt');
    dt.append(text(k));
    const dd = document.createElement('dd');
    dd.append(text(v));
    dl.append(dt, dd);
  }
  $('#settings tbody').replaceChildren(...Object.entries(inst.settings).map(([k, v]) => row([k, v])));
}

async function loadKeys(me) {
  const { items } = await api('GET', '/api-keys');
  $('#keys tbody').replaceChildren(
    ...items.map((k) => {
      const btn = document.createElement('button');
      btn.textContent = k.revokedAt ? 'revoked' : 'Revoke';
      btn.disabled = !!k.revokedAt || !me.canWrite || me.via !== 'user-token';
      btn.addEventListener('click', () =>
        api('DELETE', `/api-keys/${encodeURIComponent(k.id)}`)
          .then(() => loadKeys(me))
          .catch(showError),
      );
      return row([
        k.name,
        k.prefix + '…',
        k.canWrite ? 'read + write' : 'read',
        k.createdAt,
        k.lastUsedAt,
        btn,
      ]);
    }),
  );
}

async function main() {
  if (!token) return showError('Open this page from Clockify (it needs the auth_token Clockify provides).');
  const me = await api('GET', '/me');
  $('#who').textContent = `${me.role ?? me.via} · ${me.canWrite ? 'can change settings' : 'read only'}`;
  $('#new-key').hidden = !me.canWrite || me.via !== 'user-token';
  $('#new-key').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    try {
      const created = await api('POST', '/api-keys', {
        name: form.get('name'),
        canWrite: form.get('canWrite') === 'on',
      });
      const el = $('#new-key-secret');
      el.hidden = false;
      el.textContent = `Copy this key now, it is not shown again: ${created.key}`;
      e.target.reset();
      await loadKeys(me);
    } catch (err) {
      showError(err);
    }
  });
  await Promise.all([loadInstallation(), loadKeys(me)]);
}

main().catch(showError);
