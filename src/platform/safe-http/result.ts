import type { AddressClass } from './address-class.js';
import type { BlockReason } from './check-url.js';

/** 408 and 429 are apart from other 4xx: they ask for a retry (often with `Retry-After`). */
export type ResponseClass = '2xx' | '3xx' | '4xx' | '408' | '429' | '5xx';

export type OutboundResponse = {
  kind: 'response';
  status: number;
  class: ResponseClass;
  /** Lower-case names; repeated headers joined with `, `; at most the policy's count and bytes. */
  headers: Record<string, string>;
  /** Some response headers were dropped to stay within the policy's header caps. */
  headersTruncated: boolean;
  body: Buffer;
  /** The body was cut at `maxResponseBytes`. */
  truncated: boolean;
  latencyMs: number;
  /** The address the connection went to, `ip:port` (`[ip]:port` for IPv6). */
  address: string;
  /** From `Retry-After` (delay-seconds or an HTTP date), when the response has a readable one. */
  retryAfterMs?: number;
};

/** Refused before any connection: the URL or an address it resolves to is not allowed. */
export type OutboundBlocked = {
  kind: 'blocked';
  code: 'SSRF_BLOCKED';
  reason: BlockReason;
  addressClass: AddressClass | null;
  /** Safe to show the workspace admin: it names the class, never an address a name resolved to. */
  message: string;
  latencyMs: number;
};

export type InvalidReason =
  | 'method-not-allowed'
  | 'body-too-large'
  | 'too-many-headers'
  | 'headers-too-large'
  | 'header-not-allowed'
  | 'header-invalid';

/** The request itself cannot be sent as given (our side); nothing left the process. */
export type OutboundInvalid = { kind: 'invalid'; reason: InvalidReason; message: string; latencyMs: number };

export type FailureKind =
  | 'timeout'
  | 'refused'
  | 'reset'
  | 'dns'
  | 'tls'
  | 'network'
  /** The caller's own signal aborted the call (e.g. shutdown). */
  | 'aborted';

export type OutboundFailure = {
  kind: FailureKind;
  message: string;
  latencyMs: number;
  /** The address tried last, once one was chosen (not for DNS failures). */
  address?: string;
  /** Set when the status line arrived before the failure (e.g. the body timed out). */
  status?: number;
};

export type OutboundResult = OutboundResponse | OutboundBlocked | OutboundInvalid | OutboundFailure;

export function responseClass(status: number): ResponseClass {
  if (status === 408) return '408';
  if (status === 429) return '429';
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  return '5xx';
}
