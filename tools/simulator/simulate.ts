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
 *   npm run simulate -- webhook EVENT             send a Clockify webhook (e.g. NEW_TIME_ENTRY) as Clockify would
 *   npm run simulate -- custom SOURCE_ID --secret S   send a custom webhook signed for that source's scheme
 *
 * Options: --gateway URL (default http://localhost:$PORT or 8080), --api-url URL (Clockify API the
 * installation points at; default the fake Clockify, http://127.0.0.1:8090/api), --workspace ID.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SourceVerification } from '../../src/modules/ingestion/source-config.js';
import { signRequest } from '../signing/sign-examples.js';
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
    secret: { type: 'string' },
    body: { type: 'string' },
  },
});

const dir = resolve(process.env.DATA_DIR ?? './data', 'simulator');
const addonKey = process.env.ADDON_KEY ?? 'webhook-gateway';
const addonId = 'sim0addon000000000000001';
const statePath = join(dir, 'state.json');
type State = {
  workspaceId?: string;
  installationToken?: string;
  /** The webhooks of the installation: event → the path and token Clockify gave in INSTALLED. */
  webhooks?: Record<string, { path: string; token: string }>;
  /** Secrets of custom sources created with `simulate -- source` or remembered with --secret. */
  sources?: Record<string, string>;
};
const state: State = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as State) : {};
const saveState = () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
};
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

/** A request to the gateway; a gateway that is down is one line, not a stack trace. */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    console.error(
      `cannot reach ${url} (${cause}): is the gateway running? (npm start; --gateway URL to point elsewhere)`,
    );
    process.exit(1);
  }
}

function explain(status: number, text: string, kind: 'clockify' | 'custom' = 'clockify') {
  if (status === 401 && kind === 'custom') {
    console.error(
      `hint: a 401 here means the signature did not verify: is --secret the source's current secret?`,
    );
    return;
  }
  if (status === 401) {
    const code = /"code":"(\w+)"/.exec(text)?.[1] ?? '';
    console.error(
      code === 'SIGNATURE_INVALID' || /signature/i.test(text)
        ? 'hint: a 401 here usually means the gateway does not trust the simulator key: start it with CLOCKIFY_PUBLIC_KEY=data/simulator/public.pem (see `npm run simulate -- keys`)'
        : 'hint: a 401 usually means a wrong or missing key: the simulator key pair (CLOCKIFY_PUBLIC_KEY), or GATEWAY_API_KEY',
    );
  }
}

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string>,
  kind: 'clockify' | 'custom' = 'clockify',
) {
  const res = await send(`${values.gateway}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  console.log(`${path} → ${res.status} ${text}`);
  if (!res.ok) {
    process.exitCode = 1;
    explain(res.status, text, kind);
  }
  return text;
}

const SAMPLES = resolve('test/fixtures/clockify/webhook-samples');
function sampleBody(event: string): string {
  const file = join(SAMPLES, `${event}.json`);
  if (!existsSync(file)) {
    const known = readdirSync(SAMPLES).map((f) => f.replace(/\.json$/, ''));
    console.error(`no sample for ${event}; samples exist for: ${known.join(', ')}`);
    process.exit(2);
  }
  const body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return JSON.stringify('workspaceId' in body ? { ...body, workspaceId } : body);
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
    // Clockify sends, for each webhook in the manifest, the token it will sign that webhook's deliveries with.
    const manifest = (await (await send(`${values.gateway}/manifest`, {})).json()) as {
      webhooks?: { event: string; path: string }[];
    };
    const webhooks: NonNullable<State['webhooks']> = {};
    for (const w of manifest.webhooks ?? []) {
      webhooks[w.event] = { path: w.path, token: await sign({ workspaceId, addonId }, { addonKey }) };
    }
    await post(
      '/lifecycle/installed',
      {
        addonId,
        authToken,
        workspaceId,
        asUser: 'sim-owner',
        apiUrl,
        addonUserId: 'sim-addon-user',
        webhooks: Object.entries(webhooks).map(([, w]) => ({
          path: `${values.gateway}${w.path}`,
          webhookType: 'ADDON',
          authToken: w.token,
        })),
      },
      await lifecycle(),
    );
    Object.assign(state, { workspaceId, installationToken: authToken, webhooks });
    saveState();
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
  case 'webhook': {
    const event = positionals[1] ?? '';
    let hook = state.webhooks?.[event];
    if (hook === undefined && state.installationToken !== undefined) {
      // Not in the manifest: the gateway registered it through Clockify's API, so Clockify (here the
      // fake Clockify) holds its token.
      const res = await fetch(`${apiUrl}/v1/workspaces/${workspaceId}/webhooks`, {
        headers: { 'x-addon-token': state.installationToken },
      }).catch(() => null);
      const list = res?.ok
        ? ((await res.json()) as { webhooks?: { webhookEvent?: string; url?: string; authToken?: string }[] })
        : {};
      const found = list.webhooks?.find((w) => w.webhookEvent === event && w.authToken && w.url);
      if (found) hook = { path: new URL(found.url!).pathname, token: found.authToken! };
    }
    if (hook === undefined) {
      console.error(
        `no webhook token for ${event || '(no event given)'}: run \`npm run simulate -- install\` first (with the fake Clockify running for events outside the manifest); known: ${Object.keys(state.webhooks ?? {}).join(', ')}`,
      );
      process.exit(2);
    }
    await post(hook.path, sampleBody(event), {
      'clockify-signature': hook.token,
      'clockify-webhook-event-type': event,
    });
    break;
  }
  case 'custom': {
    const sourceId = positionals[1] ?? '';
    const secret = values.secret ?? state.sources?.[sourceId];
    const key = process.env.GATEWAY_API_KEY;
    if (!sourceId || key === undefined) {
      console.error(
        'usage: GATEWAY_API_KEY=… npm run simulate -- custom SOURCE_ID --secret SECRET [--body JSON]',
      );
      process.exit(2);
    }
    // The source's scheme, from the admin API; its secret is only shown when the source is created.
    const res = await send(`${values.gateway}/ui/sources/${sourceId}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const text = await res.text();
    if (!res.ok) {
      console.error(`/ui/sources/${sourceId} → ${res.status} ${text}`);
      explain(res.status, text);
      process.exit(1);
    }
    const source = JSON.parse(text) as { verification: unknown };
    const verification = SourceVerification.parse(source.verification);
    if (verification.scheme !== 'none' && secret === undefined) {
      console.error(
        `source ${sourceId} uses ${verification.scheme}: pass its secret with --secret (shown once, when the source was created)`,
      );
      process.exit(2);
    }
    state.sources = { ...state.sources, ...(secret !== undefined ? { [sourceId]: secret } : {}) };
    saveState();
    const n = Date.now();
    const body =
      values.body ??
      JSON.stringify({ id: `evt_sim_${n}`, type: 'simulated.event', createdAt: new Date(n).toISOString() });
    const headers =
      verification.scheme === 'none'
        ? {}
        : signRequest(verification, secret!, body, { now: new Date(n), id: `msg_sim_${n}` });
    await post(`/webhooks/custom/${sourceId}`, body, headers, 'custom');
    break;
  }
  case undefined:
  default:
    console.error(
      'usage: npm run simulate -- keys | install | status ACTIVE|INACTIVE | settings id=value… | delete | user-token | api-key | webhook EVENT | custom SOURCE_ID --secret S',
    );
    process.exit(2);
}
