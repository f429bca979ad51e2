/**
 * Plays Clockify against a running gateway on this machine (real Clockify cannot reach a laptop).
 *
 *   npm run simulate -- keys                      make a local key pair; prints the CLOCKIFY_PUBLIC_KEY to start the gateway with
 *   npm run simulate -- install [--workspace W]   send a signed INSTALLED
 *   npm run simulate -- status ACTIVE|INACTIVE    send STATUS_CHANGED
 *   npm run simulate -- settings id=value …       send SETTINGS_UPDATED
 *   npm run simulate -- delete                    send DELETED
 *   npm run simulate -- user-token [--role OWNER] print a user token (30 min) and the admin page URL
 *   npm run simulate -- api-key [--name N]        create an admin API key with a user token
 *
 * Options: --gateway URL (default http://localhost:$PORT or 8080), --api-url URL (Clockify API the
 * installation points at; default the fake Clockify, http://127.0.0.1:8090/api), --workspace ID.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClockifySigner, generateKeyPair } from './clockify-signer.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    gateway: {
      type: 'string',
      default: process.env.GATEWAY_URL ?? `http://localhost:${process.env.PORT ?? 8080}`,
    },
    'api-url': { type: 'string', default: process.env.SIM_API_URL ?? 'http://127.0.0.1:8090/api' },
    workspace: { type: 'string' },
    role: { type: 'string', default: 'OWNER' },
    name: { type: 'string', default: 'simulator' },
  },
});

const dir = resolve(process.env.DATA_DIR ?? './data', 'simulator');
const addonKey = process.env.ADDON_KEY ?? 'webhook-gateway';
const addonId = 'sim0addon000000000000001';
const statePath = join(dir, 'state.json');
const state = existsSync(statePath)
  ? (JSON.parse(readFileSync(statePath, 'utf8')) as { workspaceId?: string })
  : {};
const workspaceId = values.workspace ?? state.workspaceId ?? 'sim0workspace00000000001';

function keys() {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pub = join(dir, 'public.pem');
  if (!existsSync(pub)) {
    const pair = generateKeyPair();
    writeFileSync(join(dir, 'private.pem'), pair.privateKeyPem, { mode: 0o600 });
    writeFileSync(pub, pair.publicKeyPem);
  }
  return { pub, priv: readFileSync(join(dir, 'private.pem'), 'utf8') };
}

async function post(path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${values.gateway}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  console.log(`${path} → ${res.status} ${text}`);
  if (!res.ok) process.exitCode = 1;
  return text;
}

const command = positionals[0];
if (command === 'keys') {
  const { pub } = keys();
  console.log(
    `Key pair in ${dir}. Start the gateway trusting it:\n\n  CLOCKIFY_PUBLIC_KEY=${pub} npm start\n`,
  );
  process.exit(0);
}
if (!existsSync(join(dir, 'private.pem'))) {
  console.error(
    'No simulator key pair yet: run `npm run simulate -- keys` and start the gateway as it says.',
  );
  process.exit(2);
}
const sign = createClockifySigner(keys().priv);
const lifecycle = async () => ({
  'x-addon-lifecycle-token': await sign({ workspaceId, addonId }, { addonKey, expiresInS: 300 }),
});
const apiUrl = values['api-url'];
const userToken = () =>
  sign(
    {
      workspaceId,
      addonId,
      user: `sim-${values.role.toLowerCase()}`,
      workspaceRole: values.role,
      backendUrl: apiUrl,
      language: 'EN',
      theme: 'DEFAULT',
    },
    { addonKey, expiresInS: 1_800 },
  );

switch (command ?? '') {
  case 'install': {
    const authToken = await sign(
      {
        workspaceId,
        addonId,
        user: 'sim-owner',
        backendUrl: apiUrl,
        reportsUrl: apiUrl.replace(/\/api$/, '/reports'),
      },
      { addonKey },
    );
    await post(
      '/lifecycle/installed',
      {
        addonId,
        authToken,
        workspaceId,
        asUser: 'sim-owner',
        apiUrl,
        addonUserId: 'sim-addon-user',
        webhooks: [],
      },
      await lifecycle(),
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(statePath, JSON.stringify({ workspaceId }));
    break;
  }
  case 'status':
    await post(
      '/lifecycle/status-changed',
      { addonId, workspaceId, status: positionals[1] ?? 'ACTIVE' },
      await lifecycle(),
    );
    break;
  case 'settings': {
    const settings = positionals.slice(1).map((kv) => {
      const [id = '', raw = ''] = kv.split('=');
      const value =
        raw === 'true' ? true : raw === 'false' ? false : Number.isNaN(Number(raw)) ? raw : Number(raw);
      return { id, value };
    });
    await post('/lifecycle/settings-updated', { addonId, workspaceId, settings }, await lifecycle());
    break;
  }
  case 'delete':
    await post('/lifecycle/deleted', { addonId, workspaceId, asUser: 'sim-owner' }, await lifecycle());
    break;
  case 'user-token': {
    const token = await userToken();
    console.log(`${token}\n\nAdmin page: ${values.gateway}/app?auth_token=${token}`);
    break;
  }
  case 'api-key': {
    const text = await post(
      '/ui/api-keys',
      { name: values.name, canWrite: true },
      { authorization: `Bearer ${await userToken()}` },
    );
    const key = (JSON.parse(text) as { key?: string }).key;
    if (key) console.log(`\nexport GATEWAY_API_KEY=${key}`);
    break;
  }
  case undefined:
  default:
    console.error(
      'usage: npm run simulate -- keys | install | status ACTIVE|INACTIVE | settings id=value… | delete | user-token | api-key',
    );
    process.exit(2);
}
