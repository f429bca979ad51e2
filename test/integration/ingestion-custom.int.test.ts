import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SourceVerification,
  type SourceVerificationInput,
} from '../../src/modules/ingestion/source-config.js';
import { generateSecret } from '../../src/modules/ingestion/verify/generate-secret.js';
import { signRequest } from '../../tools/signing/sign-examples.js';
import { type TestApp, buildTestApp, manualClock } from '../helpers/build-test-app.js';
import { ADDON_ID, bearer, install, postLifecycle, userToken } from '../helpers/clockify.js';

const clock = manualClock();
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

type Created = { id: string; url: string; secret: string | null };
let seq = 0;
const uniqueBody = (extra: Record<string, unknown> = {}) => {
  const n = `${Date.now()}-${seq++}`;
  return JSON.stringify({ id: `evt-${n}`, event_id: `Ev${n}`, type: 'thing.happened', ...extra });
};

async function admin(workspaceId: string, role = 'OWNER') {
  return bearer(await userToken(t, workspaceId, role));
}

async function createSource(workspaceId: string, body: Record<string, unknown>): Promise<Created> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/ui/sources',
    headers: await admin(workspaceId),
    payload: { name: 'src', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.json<Created>();
}

function send(
  sourceId: string,
  body: string | Buffer,
  headers: Record<string, string>,
  contentType = 'application/json',
) {
  return t.app.inject({
    method: 'POST',
    url: `/webhooks/custom/${sourceId}`,
    headers: { 'content-type': contentType, ...headers },
    payload: body,
  });
}

function signed(config: SourceVerification, secret: string, body: string, at = clock.now()) {
  const id = `msg_${seq++}`;
  return {
    ...signRequest(config, secret, body, { now: at, id }),
    'X-GitHub-Delivery': id,
    'X-Shopify-Event-Id': id,
    'X-Shopify-Webhook-Id': id,
  };
}

const eventsOf = (workspaceId: string) => t.db.prisma.webhookEvent.count({ where: { workspaceId } });

const SCHEMES: { name: string; input: SourceVerificationInput; timestamped: boolean }[] = [
  { name: 'github', input: { scheme: 'github' }, timestamped: false },
  { name: 'stripe', input: { scheme: 'stripe' }, timestamped: true },
  { name: 'slack', input: { scheme: 'slack' }, timestamped: true },
  { name: 'shopify', input: { scheme: 'shopify' }, timestamped: false },
  { name: 'standard-webhooks', input: { scheme: 'standard-webhooks' }, timestamped: true },
  { name: 'clickup', input: { scheme: 'clickup' }, timestamped: false },
  {
    name: 'hmac (body)',
    input: { scheme: 'hmac', header: 'X-Signature-256', prefix: 'sha256=' },
    timestamped: false,
  },
  {
    name: 'hmac (timestamp.body)',
    input: {
      scheme: 'hmac',
      header: 'X-Sig',
      encoding: 'base64',
      signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts' },
    },
    timestamped: true,
  },
  { name: 'api-key', input: { scheme: 'api-key', header: 'X-Api-Key' }, timestamped: false },
  { name: 'basic-auth', input: { scheme: 'basic-auth', username: 'sender' }, timestamped: false },
];

describe.each(SCHEMES)('custom source, $name', ({ input, timestamped }) => {
  const config = SourceVerification.parse(input);
  let ws: string;
  let src: Created;
  beforeAll(async () => {
    ws = (await install(t)).workspaceId;
    src = await createSource(ws, { verification: input });
  });

  it('accepts a correctly signed request (202) and acknowledges a replay as a duplicate', async () => {
    const body = uniqueBody();
    const headers = signed(config, src.secret!, body);
    const res = await send(src.id, body, headers);
    expect(res.statusCode, res.body).toBe(202);
    const { eventId } = res.json<{ eventId: string }>();
    const again = await send(src.id, body, headers);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ eventId, duplicate: true });
    const row = await t.db.prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(JSON.stringify(row.headers)).not.toContain(src.secret!);
    expect(row.verification).toMatchObject({ method: config.scheme, secretUsed: 'current' });
  });

  it('rejects a tampered body, the wrong secret and no credentials with 401, storing nothing', async () => {
    const before = await eventsOf(ws);
    const body = uniqueBody();
    const signsBody = config.scheme !== 'api-key' && config.scheme !== 'basic-auth';
    const tampered = signsBody
      ? [await send(src.id, body.replace('thing', 'THING'), signed(config, src.secret!, body))]
      : [];
    const wrong = await send(
      src.id,
      body,
      signed(config, generateSecret(config.scheme as Exclude<typeof config.scheme, 'none'>), body),
    );
    const none = await send(src.id, body, {});
    for (const r of [...tampered, wrong, none]) {
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('SIGNATURE_INVALID');
    }
    expect(await eventsOf(ws)).toBe(before);
    const q = await t.db.prisma.webhookRejection.findMany({ where: { workspaceId: ws, sourceKey: src.id } });
    expect(q.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(q)).not.toContain(src.secret!);
  });

  // Only schemes whose signature covers a timestamp have a window to be outside of.
  if (timestamped)
    it('rejects a stale timestamp (a replay outside the window) with 401', async () => {
      const body = uniqueBody();
      const res = await send(
        src.id,
        body,
        signed(config, src.secret!, body, new Date(clock.now().getTime() - 10 * 60_000)),
      );
      expect(res.statusCode).toBe(401);
      const r = await t.db.prisma.webhookRejection.findFirst({
        where: { workspaceId: ws, sourceKey: src.id, reason: 'stale' },
      });
      expect(r).not.toBeNull();
    });

  it('accepts the previous secret during the grace period only', async () => {
    const old = src.secret!;
    const rot = await t.app.inject({
      method: 'POST',
      url: `/ui/sources/${src.id}/rotate-secret`,
      headers: await admin(ws),
      payload: { graceSeconds: 60 },
    });
    expect(rot.statusCode, rot.body).toBe(200);
    const fresh = rot.json<Created>().secret!;
    expect(fresh).not.toBe(old);
    const b1 = uniqueBody();
    expect((await send(src.id, b1, signed(config, old, b1))).statusCode).toBe(202);
    const b2 = uniqueBody();
    expect((await send(src.id, b2, signed(config, fresh, b2))).statusCode).toBe(202);
    clock.advance(61_000);
    const b3 = uniqueBody();
    expect((await send(src.id, b3, signed(config, old, b3))).statusCode).toBe(401);
    const b4 = uniqueBody();
    expect((await send(src.id, b4, signed(config, fresh, b4))).statusCode).toBe(202);
    src = { ...src, secret: fresh };
    // Back to real time: later lifecycle tokens are signed with the real clock.
    clock.advance(-61_000);
  });
});

describe('custom source endpoint', () => {
  let ws: string;
  beforeAll(async () => {
    ws = (await install(t)).workspaceId;
  });

  it('stores one Shopify event delivered twice: same X-Shopify-Event-Id, a new X-Shopify-Webhook-Id', async () => {
    const src = await createSource(ws, { verification: { scheme: 'shopify' } });
    const config = SourceVerification.parse({ scheme: 'shopify' });
    const body = uniqueBody();
    const delivery = (webhookId: string) => ({
      ...signRequest(config, src.secret!, body, { now: clock.now(), id: webhookId }),
      'X-Shopify-Topic': 'orders/create',
      'X-Shopify-Event-Id': 'evt-shopify-1',
      'X-Shopify-Webhook-Id': webhookId,
    });
    const first = await send(src.id, body, delivery('wh-delivery-1'));
    expect(first.statusCode, first.body).toBe(202);
    const again = await send(src.id, body, delivery('wh-delivery-2'));
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual({ eventId: first.json<{ eventId: string }>().eventId, duplicate: true });
    expect(await t.db.prisma.webhookEvent.count({ where: { sourceKey: src.id } })).toBe(1);
  });

  it('moves Shopify sources still on the old default rule (X-Shopify-Webhook-Id) to X-Shopify-Event-Id', async () => {
    const oldRule = { kind: 'header', header: 'X-Shopify-Webhook-Id' };
    const kept = { kind: 'jsonpath', path: '$.id' };
    const shopify = await createSource(ws, { verification: { scheme: 'shopify' }, dedupRule: oldRule });
    const chosen = await createSource(ws, { verification: { scheme: 'shopify' }, dedupRule: kept });
    const github = await createSource(ws, {
      verification: { scheme: 'github' },
      dedupRule: { kind: 'header', header: 'X-Shopify-Webhook-Id' },
    });
    const sql = readFileSync('prisma/migrations/20261202090000_shopify_dedup_event_id/migration.sql', 'utf8');
    await t.db.sql.query(sql);
    const ruleOf = async (id: string) =>
      (await t.db.prisma.webhookSource.findUniqueOrThrow({ where: { id } })).dedupRule;
    expect(await ruleOf(shopify.id)).toEqual({ kind: 'header', header: 'X-Shopify-Event-Id' });
    expect(await ruleOf(chosen.id)).toEqual(kept);
    expect(await ruleOf(github.id)).toEqual({ kind: 'header', header: 'X-Shopify-Webhook-Id' });
  });

  it('answers Slack’s url_verification with the challenge after verifying it, storing nothing', async () => {
    const src = await createSource(ws, { verification: { scheme: 'slack' } });
    const config = SourceVerification.parse({ scheme: 'slack' });
    const body = JSON.stringify({ type: 'url_verification', challenge: 'chal-123', token: 'x' });
    const res = await send(src.id, body, signed(config, src.secret!, body));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'chal-123' });
    expect((await send(src.id, body, {})).statusCode).toBe(401);
    expect(await t.db.prisma.webhookEvent.count({ where: { sourceKey: src.id } })).toBe(0);
  });

  it('answers 404 for unknown, malformed, disabled and deleted sources, and when custom webhooks are off', async () => {
    const src = await createSource(ws, { verification: { scheme: 'none' } });
    const body = uniqueBody();
    expect((await send(src.id, body, {})).statusCode).toBe(202);
    expect((await send('src_aaaaaaaaaaaaaaaaaaaaaaaa', body, {})).statusCode).toBe(404);
    expect((await send('nope', body, {})).statusCode).toBe(404);

    const h = await admin(ws);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/ui/sources/${src.id}`,
          headers: h,
          payload: { enabled: false },
        })
      ).statusCode,
    ).toBe(200);
    expect((await send(src.id, uniqueBody(), {})).statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/ui/sources/${src.id}`,
          headers: h,
          payload: { enabled: true },
        })
      ).statusCode,
    ).toBe(200);
    expect((await send(src.id, uniqueBody(), {})).statusCode).toBe(202);

    const off = await postLifecycle(t, '/lifecycle/settings-updated', {
      addonId: ADDON_ID,
      workspaceId: ws,
      settings: [{ id: 'webhooks_accept_custom', value: false }],
    });
    expect(off.statusCode).toBe(200);
    // The endpoint's source cache lives 2 s; the insert re-checks the setting, so nothing is stored meanwhile.
    expect((await send(src.id, uniqueBody(), {})).statusCode).toBe(404);
    const on = await postLifecycle(t, '/lifecycle/settings-updated', {
      addonId: ADDON_ID,
      workspaceId: ws,
      settings: [{ id: 'webhooks_accept_custom', value: true }],
    });
    expect(on.statusCode).toBe(200);

    expect(
      (await t.app.inject({ method: 'DELETE', url: `/ui/sources/${src.id}`, headers: h })).statusCode,
    ).toBe(200);
    expect((await send(src.id, uniqueBody(), {})).statusCode).toBe(404);
    expect(await t.db.prisma.webhookEvent.count({ where: { sourceKey: src.id } })).toBe(2);
  });

  it('enforces the size limit (413, also while streaming), the content types (415) and JSON validity (400), storing nothing', async () => {
    const src = await createSource(ws, { verification: { scheme: 'none' }, maxBodyBytes: 1_024 });
    const big = JSON.stringify({ pad: 'x'.repeat(2_000) });
    expect((await send(src.id, big, {})).statusCode).toBe(413);
    // No Content-Length: the limit is enforced on the bytes as they arrive.
    const streamed = await t.app.inject({
      method: 'POST',
      url: `/webhooks/custom/${src.id}`,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      payload: Readable.from([Buffer.from(big.slice(0, 800)), Buffer.from(big.slice(800))]),
    });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await send(src.id, 'a=1', {}, 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    expect((await send(src.id, '{"a":', {})).statusCode).toBe(400);
    expect((await send(src.id, '{"a":', {})).json().error.code).toBe('INVALID_JSON');
    expect(await t.db.prisma.webhookEvent.count({ where: { sourceKey: src.id } })).toBe(0);
  });

  it('stores other content types raw when the source allows them; the detail shows text or base64', async () => {
    const src = await createSource(ws, {
      verification: { scheme: 'none' },
      contentTypes: ['text/plain', 'application/octet-stream'],
    });
    const text = await send(src.id, 'plain text ✓', {}, 'text/plain; charset=utf-8');
    expect(text.statusCode).toBe(202);
    const bin = await send(src.id, Buffer.from([0xff, 0x00, 0xfe, 0x01]), {}, 'application/octet-stream');
    expect(bin.statusCode).toBe(202);
    const h = await admin(ws);
    const d1 = await t.app.inject({
      method: 'GET',
      url: `/ui/webhooks/${text.json<{ eventId: string }>().eventId}`,
      headers: h,
    });
    expect(d1.json().body).toEqual({ encoding: 'utf8', data: 'plain text ✓' });
    const d2 = await t.app.inject({
      method: 'GET',
      url: `/ui/webhooks/${bin.json<{ eventId: string }>().eventId}`,
      headers: h,
    });
    expect(d2.json().body).toEqual({
      encoding: 'base64',
      data: Buffer.from([0xff, 0x00, 0xfe, 0x01]).toString('base64'),
    });
    expect(d2.json().jobs).toEqual([expect.objectContaining({ name: 'event.process', status: 'queued' })]);
  });

  it('keeps only the last 50 rejections per source but counts them all', async () => {
    const src = await createSource(ws, { verification: { scheme: 'api-key' } });
    for (let i = 0; i < 55; i++)
      expect(
        (await send(src.id, uniqueBody(), { 'x-api-key': `wrong-key-${i}-padding-padding` })).statusCode,
      ).toBe(401);
    const h = await admin(ws);
    const q = await t.app.inject({ method: 'GET', url: `/ui/sources/${src.id}/rejections`, headers: h });
    expect(q.json().items).toHaveLength(50);
    expect(q.json().items[0]).toMatchObject({
      reason: 'mismatch',
      headers: expect.objectContaining({ 'x-api-key': '[redacted]' }),
    });
    const stats = await t.app.inject({ method: 'GET', url: '/ui/stats', headers: h });
    expect(stats.json().items.find((s: { source: string }) => s.source === src.id)).toMatchObject({
      rejected: 55,
      accepted: 0,
      received: 55,
    });
  });
});

describe('hostile payload values', () => {
  it('stores an event whose type and JSONPath dedup value hold a NUL, without failing its batch neighbours', async () => {
    const ws = (await install(t)).workspaceId;
    const input = { scheme: 'github' } as const;
    const config = SourceVerification.parse(input);
    const src = await createSource(ws, {
      verification: input,
      dedupRule: { kind: 'jsonpath', path: '$.id' },
    });
    const hostile = JSON.stringify({ id: `a\u0000${seq++}`, type: 'evil\u0000type' });
    const normal = uniqueBody();
    // Sent together, so they are likely to share a batch statement.
    const [bad, good] = await Promise.all([
      send(src.id, hostile, signed(config, src.secret!, hostile)),
      send(src.id, normal, signed(config, src.secret!, normal)),
    ]);
    expect(bad.statusCode, bad.body).toBe(202);
    expect(good.statusCode, good.body).toBe(202);
    const row = await t.db.prisma.webhookEvent.findUniqueOrThrow({
      where: { id: bad.json<{ eventId: string }>().eventId },
    });
    expect(row.eventType).toBe('evil\uFFFDtype');
    expect(Buffer.from(row.body).toString('utf8')).toBe(hostile);
  });
});
