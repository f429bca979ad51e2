import { describe, expect, it } from 'vitest';
import type { FlowAction } from './definition.js';
import {
  type CallOutcome,
  MAX_STORED_BODY_CHARS,
  capBody,
  classOfStatus,
  nextRetryDelay,
  redactHeaders,
  redactUrl,
  retryPolicyOf,
} from './step-policy.js';

const failure = (errorClass: Extract<CallOutcome, { ok: false }>['errorClass'], retryAfterMs?: number) =>
  ({
    ok: false,
    errorClass,
    error: 'x',
    status: null,
    body: null,
    ...(retryAfterMs ? { retryAfterMs } : {}),
  }) as const;
const action = (retry?: unknown): FlowAction =>
  ({ id: 'a', type: 'http', onError: 'stop', ...(retry ? { retry } : {}) }) as FlowAction;

describe('retry policy', () => {
  it('retries transient failures with exponential backoff and ±25 % jitter, up to the attempts given', () => {
    const policy = retryPolicyOf(action({ attempts: 2, backoff: 'exponential', delayMs: 1_000 }), false);
    const mid = () => 0.5;
    expect(nextRetryDelay({ outcome: failure('server'), attempt: 1, policy, random: mid })).toBe(1_000);
    expect(nextRetryDelay({ outcome: failure('timeout'), attempt: 2, policy, random: mid })).toBe(2_000);
    expect(nextRetryDelay({ outcome: failure('network'), attempt: 3, policy, random: mid })).toBeNull();
    expect(nextRetryDelay({ outcome: failure('server'), attempt: 1, policy, random: () => 0 })).toBe(750);
    expect(nextRetryDelay({ outcome: failure('server'), attempt: 1, policy, random: () => 1 })).toBe(1_250);
  });

  it('never retries other 4xx, blocked, template or interrupted failures', () => {
    const policy = retryPolicyOf(action({ attempts: 5, backoff: 'fixed', delayMs: 100 }), true);
    for (const c of ['client', 'blocked', 'template', 'invalid', 'interrupted', 'unavailable'] as const)
      expect(nextRetryDelay({ outcome: failure(c), attempt: 1, policy, random: Math.random })).toBeNull();
  });

  it('honours Retry-After (never sooner), capped at an hour', () => {
    const policy = retryPolicyOf(action({ attempts: 3, backoff: 'fixed', delayMs: 100 }), false);
    expect(
      nextRetryDelay({ outcome: failure('rate-limited', 30_000), attempt: 1, policy, random: () => 0.5 }),
    ).toBe(30_000);
    expect(
      nextRetryDelay({
        outcome: failure('rate-limited', 99 * 3_600_000),
        attempt: 1,
        policy,
        random: () => 0.5,
      }),
    ).toBe(3_600_000);
  });

  it('without a retry block: reads retry transient failures, writes only 429', () => {
    const read = retryPolicyOf(action(), true);
    const write = retryPolicyOf(action(), false);
    expect(nextRetryDelay({ outcome: failure('server'), attempt: 1, policy: read, random: () => 0.5 })).toBe(
      1_000,
    );
    expect(
      nextRetryDelay({ outcome: failure('server'), attempt: 1, policy: write, random: () => 0.5 }),
    ).toBeNull();
    expect(
      nextRetryDelay({ outcome: failure('rate-limited'), attempt: 1, policy: write, random: () => 0.5 }),
    ).toBe(1_000);
  });

  it('classifies statuses', () => {
    expect([429, 408, 500, 503, 400, 404].map(classOfStatus)).toEqual([
      'rate-limited',
      'timeout',
      'server',
      'server',
      'client',
      'client',
    ]);
  });
});

describe('what a step records', () => {
  it('redacts credential-looking headers and query parameters', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'X-Api-Key': 'k', accept: 'json' })).toEqual({
      Authorization: '[redacted]',
      'X-Api-Key': '[redacted]',
      accept: 'json',
    });
    expect(redactUrl('https://h.example/p?token=abc&q=1')).toBe(
      'https://h.example/p?token=%5Bredacted%5D&q=1',
    );
  });

  it('keeps bodies up to 64 KB and cuts larger ones', () => {
    expect(capBody({ a: 1 })).toEqual({ body: { a: 1 }, truncated: false });
    const big = capBody({ s: 'x'.repeat(MAX_STORED_BODY_CHARS) });
    expect(big.truncated).toBe(true);
    expect((big.body as string).length).toBe(MAX_STORED_BODY_CHARS);
    expect(capBody(undefined)).toEqual({ body: null, truncated: false });
  });

  it('stores what PostgreSQL can hold: NULs and lone surrogates in a body become U+FFFD', () => {
    expect(capBody({ s: 'a\u0000b', list: ['\ud800', 'ok'], n: 1 })).toEqual({
      body: { s: 'a\ufffdb', list: ['\ufffd', 'ok'], n: 1 },
      truncated: false,
    });
    expect(capBody('text\u0000')).toEqual({ body: 'text\ufffd', truncated: false });
    const big = capBody('\u0000'.repeat(MAX_STORED_BODY_CHARS + 1));
    expect(big).toEqual({ body: '\ufffd'.repeat(MAX_STORED_BODY_CHARS), truncated: true });
  });
});
