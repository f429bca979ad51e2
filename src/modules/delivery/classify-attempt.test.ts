import { describe, expect, it } from 'vitest';
import type { OutboundResult, ResponseClass } from '../../platform/safe-http/index.js';
import { classifyAttempt } from './classify-attempt.js';
import { defineRetrySchedule } from './retry-schedule.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const S = 1_000;

function response(status: number, cls: ResponseClass, retryAfterMs?: number): OutboundResult {
  return {
    kind: 'response',
    status,
    class: cls,
    headers: {},
    headersTruncated: false,
    body: Buffer.alloc(0),
    truncated: false,
    latencyMs: 12,
    address: '203.0.113.7:443',
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}
const failure = (
  kind: 'timeout' | 'refused' | 'reset' | 'dns' | 'tls' | 'network' | 'aborted',
): OutboundResult => ({
  kind,
  message: kind,
  latencyMs: 5,
});

/** Decision with the wait in ms instead of a date, for readable expectations. */
function decide(result: OutboundResult, attemptsMade = 1, random = 0.5) {
  const d = classifyAttempt({ result, attemptsMade, now: NOW, random: () => random });
  return d.outcome === 'retry' ? { ...d, at: d.at.getTime() - NOW.getTime() } : d;
}

describe('classifyAttempt', () => {
  it('counts any 2xx as delivered, even with a cut body', () => {
    expect(decide(response(200, '2xx'))).toEqual({ outcome: 'delivered' });
    expect(decide({ ...response(204, '2xx'), truncated: true } as OutboundResult)).toEqual({
      outcome: 'delivered',
    });
  });

  it('disables the endpoint on 410 Gone', () => {
    expect(decide(response(410, '4xx'), 3)).toEqual({ outcome: 'disable-endpoint', errorClass: '410' });
  });

  it('retries 3xx, other 4xx and 5xx on the schedule', () => {
    expect(decide(response(302, '3xx'))).toEqual({ outcome: 'retry', at: 5 * S, errorClass: '3xx' });
    expect(decide(response(400, '4xx'), 2)).toEqual({ outcome: 'retry', at: 300 * S, errorClass: '4xx' });
    expect(decide(response(500, '5xx'), 3)).toEqual({ outcome: 'retry', at: 1_800 * S, errorClass: '5xx' });
  });

  it('honours Retry-After on 429 and 503, capped at the slot’s upper bound', () => {
    expect(decide(response(503, '5xx', 120 * S), 3)).toEqual({
      outcome: 'retry',
      at: 120 * S,
      errorClass: '5xx',
    });
    expect(decide(response(503, '5xx', 10 * 3_600 * S), 3)).toEqual({
      outcome: 'retry',
      at: 2_160 * S,
      errorClass: '5xx',
    });
    expect(decide(response(429, '429', 90 * S), 2)).toEqual({
      outcome: 'retry',
      at: 90 * S,
      errorClass: '429',
    });
  });

  it('ignores Retry-After on statuses that do not ask for it', () => {
    expect(decide(response(500, '5xx', 1 * S), 3)).toEqual({
      outcome: 'retry',
      at: 1_800 * S,
      errorClass: '5xx',
    });
  });

  it('never retries a timeout, a 408 or a 429 sooner than 60 s', () => {
    expect(decide(failure('timeout'))).toEqual({ outcome: 'retry', at: 60 * S, errorClass: 'timeout' });
    expect(decide(response(429, '429'))).toEqual({ outcome: 'retry', at: 60 * S, errorClass: '429' });
    expect(decide(response(429, '429', 1 * S))).toEqual({ outcome: 'retry', at: 60 * S, errorClass: '429' });
    expect(decide(response(408, '408'))).toEqual({ outcome: 'retry', at: 60 * S, errorClass: '408' });
    expect(decide(response(503, '5xx', 1 * S))).toEqual({ outcome: 'retry', at: 1 * S, errorClass: '5xx' });
    expect(decide(failure('timeout'), 2)).toEqual({ outcome: 'retry', at: 300 * S, errorClass: 'timeout' });
  });

  it('retries connection, DNS, TLS and network failures on the schedule', () => {
    for (const kind of ['refused', 'reset', 'dns', 'tls', 'network', 'aborted'] as const) {
      expect(decide(failure(kind), 1, 0)).toEqual({ outcome: 'retry', at: 4 * S, errorClass: kind });
    }
  });

  it('dead-letters a URL the guard refuses outright, but retries a name that resolved somewhere refused', () => {
    const blocked = (
      reason: 'port-not-allowed' | 'address-not-allowed' | 'resolved-address-not-allowed',
    ): OutboundResult => ({
      kind: 'blocked',
      code: 'SSRF_BLOCKED',
      reason,
      addressClass: reason === 'port-not-allowed' ? null : 'private',
      message: 'refused',
      latencyMs: 0,
    });
    expect(decide(blocked('port-not-allowed'))).toEqual({ outcome: 'dead-letter', errorClass: 'blocked' });
    expect(decide(blocked('address-not-allowed'))).toEqual({ outcome: 'dead-letter', errorClass: 'blocked' });
    expect(decide(blocked('resolved-address-not-allowed'))).toEqual({
      outcome: 'retry',
      at: 5 * S,
      errorClass: 'blocked',
    });
  });

  it('dead-letters a request that cannot be sent', () => {
    expect(decide({ kind: 'invalid', reason: 'body-too-large', message: 'x', latencyMs: 0 })).toEqual({
      outcome: 'dead-letter',
      errorClass: 'invalid',
    });
  });

  it('dead-letters when the schedule is used up, with the last error class', () => {
    expect(decide(response(500, '5xx'), 9)).toMatchObject({ outcome: 'retry', errorClass: '5xx' });
    expect(decide(response(500, '5xx'), 10)).toEqual({ outcome: 'dead-letter', errorClass: '5xx' });
    expect(decide(failure('timeout'), 10)).toEqual({ outcome: 'dead-letter', errorClass: 'timeout' });
    expect(decide(response(429, '429', 1 * S), 10)).toEqual({ outcome: 'dead-letter', errorClass: '429' });
  });

  it('uses a configured schedule', () => {
    const schedule = defineRetrySchedule({ delaysS: [2], jitter: 0 });
    const first = classifyAttempt({
      result: response(500, '5xx'),
      attemptsMade: 1,
      now: NOW,
      random: () => 0.9,
      schedule,
    });
    expect(first).toEqual({ outcome: 'retry', at: new Date(NOW.getTime() + 2 * S), errorClass: '5xx' });
    const second = classifyAttempt({
      result: response(500, '5xx'),
      attemptsMade: 2,
      now: NOW,
      random: () => 0.9,
      schedule,
    });
    expect(second).toEqual({ outcome: 'dead-letter', errorClass: '5xx' });
  });
});
