/**
 * Pure decisions of the executor: which failures are retried, when, what a step records (redacted
 * request, capped body).
 */
import { isStorableText, storableText } from '../../platform/storable-text.js';
import type { FlowAction } from './definition.js';

/** Why a step failed. `retryable` classes are retried while the action's attempts last. */
export type ErrorClass =
  | 'template'
  | 'blocked'
  | 'invalid'
  | 'client'
  | 'rate-limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'interrupted'
  | 'unavailable'
  | 'internal';

/** What one call of an action came back with. */
export type CallOutcome =
  | { ok: true; status: number; body: unknown }
  | {
      ok: false;
      errorClass: ErrorClass;
      error: string;
      status: number | null;
      body: unknown;
      /** The target's Retry-After, when it sent one. */
      retryAfterMs?: number;
    };

/** Network errors, timeouts, 408, 429 and 5xx may pass on a later attempt; other failures never will. */
export const TRANSIENT: ReadonlySet<ErrorClass> = new Set(['rate-limited', 'server', 'network', 'timeout']);

export type RetrySpec = { attempts: number; backoff: 'fixed' | 'exponential'; delayMs: number };

/**
 * The retry policy of an action. Without a `retry` block: reads (and webhook sends, which carry an
 * idempotency key the delivery side honours) get 2 more attempts; writes are retried only on 429 (the
 * request was not processed), since a write that timed out may have happened.
 */
export function retryPolicyOf(action: FlowAction, idempotent: boolean): RetrySpec & { explicit: boolean } {
  const r = action.retry;
  if (r !== undefined) return { ...r, explicit: true };
  return { attempts: 2, backoff: 'exponential', delayMs: 1_000, explicit: idempotent };
}

/**
 * Whether attempt `attempt` (1-based) that failed with `outcome` is tried again, and after how long:
 * exponential (or fixed) backoff with ±25 % jitter, never sooner than the target's Retry-After (capped
 * at one hour). Null: no further attempt.
 */
export function nextRetryDelay(input: {
  outcome: Extract<CallOutcome, { ok: false }>;
  attempt: number;
  policy: RetrySpec & { explicit: boolean };
  random: () => number;
}): number | null {
  const { outcome, attempt, policy } = input;
  if (!TRANSIENT.has(outcome.errorClass)) return null;
  if (outcome.errorClass !== 'rate-limited' && !policy.explicit) return null;
  if (attempt > policy.attempts) return null;
  const base = policy.backoff === 'fixed' ? policy.delayMs : policy.delayMs * 2 ** (attempt - 1);
  const jittered = Math.round(Math.min(base, 3_600_000) * (0.75 + input.random() * 0.5));
  const floor = Math.min(outcome.retryAfterMs ?? 0, 3_600_000);
  return Math.max(jittered, floor, 1);
}

/** The error class of an HTTP status that is not 2xx. */
export function classOfStatus(status: number): ErrorClass {
  if (status === 429) return 'rate-limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'client';
}

const SECRET_NAME = /auth|token|secret|password|passwd|api[-_]?key|cookie|signature|session|credential/i;
export const REDACTED = '[redacted]';

/** Header values and query parameters whose names look like credentials are replaced. */
export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = SECRET_NAME.test(k) ? REDACTED : v;
  return out;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) if (SECRET_NAME.test(k)) u.searchParams.set(k, REDACTED);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

export const MAX_STORED_BODY_CHARS = 65_536;

/** A response body as a step stores it: the value when its JSON fits in 64 KB, else its first 64 KB as text. */
export function capBody(body: unknown): { body: unknown; truncated: boolean } {
  if (body === undefined) return { body: null, truncated: false };
  let text: string | undefined;
  let changed = false;
  try {
    // A string PostgreSQL cannot hold (a NUL, a lone surrogate) would fail the outcome's write.
    const storable = (_key: string, v: unknown) => {
      if (typeof v !== 'string' || isStorableText(v)) return v;
      changed = true;
      return storableText(v);
    };
    text = typeof body === 'string' ? (storable('', body) as string) : JSON.stringify(body, storable);
  } catch {
    return { body: null, truncated: true };
  }
  if (text === undefined) return { body: null, truncated: false };
  if (text.length <= MAX_STORED_BODY_CHARS)
    return {
      body: !changed ? body : typeof body === 'string' ? text : (JSON.parse(text) as unknown),
      truncated: false,
    };
  return { body: text.slice(0, MAX_STORED_BODY_CHARS), truncated: true };
}

/** Text of a response body: JSON when it parses, else the text (bounded by the caller's cap). */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
