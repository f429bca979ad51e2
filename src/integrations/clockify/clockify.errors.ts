/**
 * Outcomes of a Clockify call as data, plus the pure rules that classify a response and decide on a
 * retry. Failure messages are written to be shown to a workspace admin.
 */
import { AppError } from '../../platform/errors.js';

export type ClockifyFailureKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'invalid'
  | 'rate-limited'
  | 'upstream'
  | 'network'
  | 'timeout'
  | 'too-large';

export type ClockifySuccess = { ok: true; status: number; headers: Record<string, string>; body: unknown };
export type ClockifyFailure = {
  ok: false;
  kind: ClockifyFailureKind;
  status?: number;
  message: string;
  /** Clockify's Retry-After (seconds) on the last attempt, when it sent one: when to try again at the earliest. */
  retryAfterS?: number;
};
export type ClockifyResult = ClockifySuccess | ClockifyFailure;

/** The failure kind for a non-2xx status. */
export function classifyStatus(status: number): ClockifyFailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 413) return 'too-large';
  if (status === 429) return 'rate-limited';
  if (status >= 500 || status < 400) return 'upstream'; // 3xx too: redirects are never followed
  return 'invalid';
}

const DESCRIPTIONS: Record<ClockifyFailureKind, string> = {
  unauthorized: 'Clockify rejected the add-on token (is the add-on still installed?)',
  forbidden: 'Clockify refused the request: the add-on lacks the permission or scope for it',
  'not-found': 'Clockify has no such resource',
  invalid: 'Clockify rejected the request as invalid',
  'rate-limited': 'Clockify rate limit reached; try again shortly',
  upstream: 'Clockify is unavailable or answered unexpectedly',
  network: 'Could not reach Clockify',
  timeout: 'Clockify did not answer in time',
  'too-large': 'Clockify response exceeded the size limit',
};

/** A user-facing failure; Clockify's own `message` is appended when its body has one. */
export function failure(
  kind: ClockifyFailureKind,
  status?: number,
  upstreamMessage?: string,
): ClockifyFailure {
  const base = DESCRIPTIONS[kind] + (status !== undefined ? ` (HTTP ${status})` : '');
  const message = upstreamMessage ? `${base}: ${upstreamMessage.slice(0, 300)}` : base;
  return { ok: false, kind, ...(status !== undefined ? { status } : {}), message };
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

export type RetryPolicy = {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterS: number;
};

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/**
 * Whether to try again after attempt number `attempt` (1-based) failed:
 * - 429: any method (the request was not processed), after Retry-After or a backoff;
 * - 5xx, network errors and timeouts: only safe (GET) operations, since a write may have happened;
 * - anything else (4xx): never.
 * Backoff is exponential with jitter (50–100 % of base × 2^(attempt−1), capped) so that many workers
 * failing together do not retry in lockstep.
 */
export function retryDecision(input: {
  kind: ClockifyFailureKind;
  attempt: number;
  safe: boolean;
  retryAfterS?: number;
  policy: RetryPolicy;
  random: () => number;
}): RetryDecision {
  const { kind, attempt, safe, retryAfterS, policy } = input;
  if (attempt >= policy.maxAttempts) return { retry: false };
  const retryable =
    kind === 'rate-limited' || (safe && (kind === 'upstream' || kind === 'network' || kind === 'timeout'));
  if (!retryable) return { retry: false };
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const backoff = Math.round(exp * (0.5 + input.random() * 0.5));
  if (kind === 'rate-limited' && retryAfterS !== undefined) {
    if (retryAfterS > policy.maxRetryAfterS) return { retry: false };
    return { retry: true, delayMs: Math.max(retryAfterS * 1000, 1) };
  }
  return { retry: true, delayMs: backoff };
}

/** For callers that prefer throwing (the page iterator): the failure as an AppError with the details. */
export function toAppError(f: ClockifyFailure): AppError {
  return new AppError(f.kind === 'not-found' ? 'NOT_FOUND' : 'UPSTREAM_UNAVAILABLE', f.message, {
    details: f,
  });
}
