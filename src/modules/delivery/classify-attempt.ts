/**
 * What to do after one delivery attempt, from the safe-http result. Pure: time, randomness and the
 * schedule come in as arguments.
 *
 * - 2xx: delivered (a cut body does not matter);
 * - 410 Gone: the receiver asks us to stop: disable the endpoint;
 * - refused by the SSRF guard for the URL itself (scheme, port, a literal address): it will not change,
 *   dead-letter now. Refused for an address the name resolved to: DNS may change, retry;
 * - a request we cannot send (over our caps): dead-letter now;
 * - everything else (3xx, other 4xx, 5xx, timeouts, network, TLS, DNS) retries on the schedule;
 *   408/429/503 honour `Retry-After` (capped at the slot's upper bound); timeouts, 408 and 429 never
 *   come back sooner than 60 s;
 * - when the schedule is used up: dead-letter, with the last error class.
 */
import type { FailureKind, OutboundResult, ResponseClass } from '../../platform/safe-http/index.js';
import {
  type RetrySchedule,
  DEFAULT_RETRY_SCHEDULE,
  SLOW_DOWN_FLOOR_MS,
  nextAttemptAt,
} from './retry-schedule.js';

export type AttemptErrorClass = Exclude<ResponseClass, '2xx'> | '410' | FailureKind | 'blocked' | 'invalid';

export type AttemptDecision =
  | { outcome: 'delivered' }
  | { outcome: 'retry'; at: Date; errorClass: AttemptErrorClass }
  | { outcome: 'disable-endpoint'; errorClass: '410' }
  | { outcome: 'dead-letter'; errorClass: AttemptErrorClass };

export type ClassifyAttemptInput = {
  result: OutboundResult;
  /** Attempts made so far, this one included (≥ 1). */
  attemptsMade: number;
  now: Date;
  random: () => number;
  schedule?: RetrySchedule;
};

const HONOURS_RETRY_AFTER = new Set([408, 429, 503]);

export function classifyAttempt(input: ClassifyAttemptInput): AttemptDecision {
  const { result } = input;
  const retry = (errorClass: AttemptErrorClass, extra: { retryAfterMs?: number; floorMs?: number } = {}) => {
    const at = nextAttemptAt({
      schedule: input.schedule ?? DEFAULT_RETRY_SCHEDULE,
      attemptsMade: input.attemptsMade,
      now: input.now,
      random: input.random,
      ...extra,
    });
    return at === null
      ? ({ outcome: 'dead-letter', errorClass } as const)
      : ({ outcome: 'retry', at, errorClass } as const);
  };

  switch (result.kind) {
    case 'response': {
      if (result.class === '2xx') return { outcome: 'delivered' };
      if (result.status === 410) return { outcome: 'disable-endpoint', errorClass: '410' };
      const retryAfterMs = HONOURS_RETRY_AFTER.has(result.status) ? result.retryAfterMs : undefined;
      const slowDown = result.class === '408' || result.class === '429';
      return retry(result.class, {
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(slowDown ? { floorMs: SLOW_DOWN_FLOOR_MS } : {}),
      });
    }
    case 'blocked':
      return result.reason === 'resolved-address-not-allowed'
        ? retry('blocked')
        : { outcome: 'dead-letter', errorClass: 'blocked' };
    case 'invalid':
      return { outcome: 'dead-letter', errorClass: 'invalid' };
    case 'timeout':
      return retry('timeout', { floorMs: SLOW_DOWN_FLOOR_MS });
    case 'refused':
    case 'reset':
    case 'dns':
    case 'tls':
    case 'network':
    case 'aborted':
      return retry(result.kind);
  }
}
