import { formatCidr, parseCidr } from './address-class.js';

/**
 * What outbound calls to admin-chosen URLs may do. Everything not public is refused unless an
 * operator allow-lists its range; `config.outbound` holds the server's policy.
 */
export type OutboundPolicy = Readonly<{
  /** CIDRs (canonical text, e.g. `127.0.0.1/32`) whose addresses are allowed although not public. */
  allowCidrs: readonly string[];
  /** Plain `http:` URLs; otherwise only `https:`. */
  allowHttp: boolean;
  allowedPorts: 'any' | readonly number[];
  connectTimeoutMs: number;
  /** From the start of a call (DNS included) to the last byte of the response body kept. */
  timeoutMs: number;
  maxRequestBytes: number;
  /** Response bodies are cut here (`truncated: true`). */
  maxResponseBytes: number;
  /** Request headers we send and response headers we keep: at most this many… */
  maxHeaders: number;
  /** …and at most this many bytes (name + value + 4 per header). */
  maxHeaderBytes: number;
}>;

export const DEFAULT_ALLOWED_PORTS: readonly number[] = [80, 443, 8080, 8443];

export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = Object.freeze({
  allowCidrs: [],
  allowHttp: false,
  allowedPorts: DEFAULT_ALLOWED_PORTS,
  connectTimeoutMs: 5_000,
  timeoutMs: 15_000,
  maxRequestBytes: 1_048_576,
  maxResponseBytes: 262_144,
  maxHeaders: 64,
  maxHeaderBytes: 16_384,
});

export type ListParse<T> = { ok: true; value: T } | { ok: false; problem: string };

const items = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** `10.0.0.0/8, 127.0.0.1, ::1` → canonical CIDRs; a bad entry is named in the problem. */
export function parseCidrList(text: string): ListParse<string[]> {
  const out: string[] = [];
  const bad: string[] = [];
  for (const entry of items(text)) {
    const range = parseCidr(entry);
    if (range === null) bad.push(entry);
    else out.push(formatCidr(range));
  }
  return bad.length > 0
    ? { ok: false, problem: `not a CIDR or IP address: ${bad.join(', ')}` }
    : { ok: true, value: out };
}

/** `80,443,8080` → ports; `*` → any port. */
export function parsePortList(text: string): ListParse<'any' | number[]> {
  const list = items(text);
  if (list.length === 1 && list[0] === '*') return { ok: true, value: 'any' };
  const bad = list.filter((p) => !/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65_535);
  if (bad.length > 0) return { ok: false, problem: `not a port (1–65535) or *: ${bad.join(', ')}` };
  if (list.length === 0) return { ok: false, problem: 'at least one port, or * for any' };
  return { ok: true, value: [...new Set(list.map(Number))] };
}
