import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DedupRule, dedupKey, defaultDedupRule, jsonPathId } from './dedup-key.js';
import { SCHEMES } from './source-config.js';

const raw = Buffer.from('{"id":"evt_1","data":{"object":{"id":"in_9","n":7,"list":[{"k":"a"},{"k":"b"}]}}}');
const json = JSON.parse(raw.toString()) as unknown;
const bodyHash = `b:${createHash('sha256').update(raw).digest('hex')}`;

describe('dedupKey', () => {
  it('uses a header, case-insensitively', () => {
    const rule = DedupRule.parse({ kind: 'header', header: 'X-GitHub-Delivery' });
    expect(dedupKey(rule, { headers: { 'x-github-delivery': 'abc-123' }, rawBody: raw })).toEqual({
      key: 'h:abc-123',
      fellBack: false,
    });
  });

  it('tries alternative headers in order (svix-id for Standard Webhooks)', () => {
    const rule = defaultDedupRule('standard-webhooks');
    expect(dedupKey(rule, { headers: { 'svix-id': 'msg_1' }, rawBody: raw }).key).toBe('h:msg_1');
    expect(dedupKey(rule, { headers: { 'webhook-id': 'msg_2', 'svix-id': 'msg_1' }, rawBody: raw }).key).toBe(
      'h:msg_2',
    );
  });

  it('uses a JSONPath, top-level and nested, strings and numbers', () => {
    const at = (path: string) =>
      dedupKey(DedupRule.parse({ kind: 'jsonpath', path }), { headers: {}, rawBody: raw, json });
    expect(at('$.id')).toEqual({ key: 'j:evt_1', fellBack: false });
    expect(at('$.data.object.id')).toEqual({ key: 'j:in_9', fellBack: false });
    expect(at('$.data.object.n').key).toBe('j:7');
    expect(at("$['data']['object'].list[1].k").key).toBe('j:b');
  });

  it('falls back to the body hash, and says so, when the header or path yields nothing usable', () => {
    const header = DedupRule.parse({ kind: 'header', header: 'X-Missing' });
    expect(dedupKey(header, { headers: { 'x-missing': '' }, rawBody: raw })).toEqual({
      key: bodyHash,
      fellBack: true,
    });
    for (const path of ['$.nope', '$.data', '$.data.object.list']) {
      expect(dedupKey({ kind: 'jsonpath', path }, { headers: {}, rawBody: raw, json })).toEqual({
        key: bodyHash,
        fellBack: true,
      });
    }
    // A body that was not JSON.
    expect(dedupKey({ kind: 'jsonpath', path: '$.id' }, { headers: {}, rawBody: raw })).toEqual({
      key: bodyHash,
      fellBack: true,
    });
    expect(
      dedupKey({ kind: 'jsonpath', path: '$.id' }, { headers: {}, rawBody: raw, json: 'text' }).fellBack,
    ).toBe(true);
  });

  it('hashes the body when asked to', () => {
    expect(
      dedupKey({ kind: 'body-hash' }, { headers: { 'x-github-delivery': 'x' }, rawBody: raw, json }),
    ).toEqual({
      key: bodyHash,
      fellBack: false,
    });
  });

  it('namespaces keys so a header value cannot collide with a JSONPath value or a body hash', () => {
    const h = dedupKey(
      { kind: 'header', header: 'X-Id' },
      { headers: { 'x-id': 'evt_1' }, rawBody: raw },
    ).key;
    const j = dedupKey({ kind: 'jsonpath', path: '$.id' }, { headers: {}, rawBody: raw, json }).key;
    expect(h).not.toBe(j);
    const sneaky = dedupKey(
      { kind: 'header', header: 'X-Id' },
      { headers: { 'x-id': bodyHash.slice(2) }, rawBody: raw },
    ).key;
    expect(sneaky).not.toBe(bodyHash);
  });

  it('hashes very long ids under a distinct marker', () => {
    const long = 'x'.repeat(500);
    const k = dedupKey({ kind: 'header', header: 'X-Id' }, { headers: { 'x-id': long }, rawBody: raw }).key;
    expect(k).toBe(`h#${createHash('sha256').update(long).digest('hex')}`);
  });
});

describe('JSONPath safety', () => {
  it('refuses filter and script expressions when a rule is saved', () => {
    for (const path of [
      '$[?(@.id)]',
      '$..[?(@.constructor.constructor("return process")())]',
      '$.list[(@.length-1)]',
      'id',
    ]) {
      expect(DedupRule.safeParse({ kind: 'jsonpath', path }).success).toBe(false);
    }
  });

  it('does not execute a filter script even if one reaches the evaluator', () => {
    const g = globalThis as { __dedupPwned?: number };
    delete g.__dedupPwned;
    const attacks = [
      '$[?(globalThis.__dedupPwned = 1)]',
      '$..[?(@.constructor.constructor("globalThis.__dedupPwned = 2")())]',
      '$.data[(globalThis.__dedupPwned = 3)]',
    ];
    for (const path of attacks) {
      expect(jsonPathId(path, json)).toBeUndefined();
      expect(dedupKey({ kind: 'jsonpath', path }, { headers: {}, rawBody: raw, json })).toEqual({
        key: bodyHash,
        fellBack: true,
      });
    }
    expect(g.__dedupPwned).toBeUndefined();
  });
});

describe('defaultDedupRule', () => {
  it('picks each provider’s delivery id and otherwise the body hash', () => {
    expect(defaultDedupRule('github')).toEqual({ kind: 'header', header: 'X-GitHub-Delivery' });
    expect(defaultDedupRule('stripe')).toEqual({ kind: 'jsonpath', path: '$.id' });
    expect(defaultDedupRule('slack')).toEqual({ kind: 'jsonpath', path: '$.event_id' });
    expect(defaultDedupRule('shopify')).toEqual({ kind: 'header', header: 'X-Shopify-Event-Id' });
    expect(defaultDedupRule('standard-webhooks')).toMatchObject({ kind: 'header', header: 'webhook-id' });
    for (const s of ['clickup', 'hmac', 'api-key', 'basic-auth', 'none'] as const)
      expect(defaultDedupRule(s)).toEqual({ kind: 'body-hash' });
  });

  it('returns rules that pass their own validation', () => {
    for (const s of SCHEMES) expect(DedupRule.safeParse(defaultDedupRule(s)).success).toBe(true);
  });
});
