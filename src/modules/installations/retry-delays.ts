/**
 * The `delivery_retry_schedule` setting's text: the waits before retries 1, 2, … of an outbound webhook,
 * as a comma-separated list of durations an admin can read at a glance ("5s,5m,30m,2h,1d"). Pure.
 * A bare number is seconds; units are s, m, h and d. Bounds: 1–20 retries, each 1 s – 24 h, never
 * shorter than the one before.
 */
export const RETRY_DELAYS_BOUNDS = {
  maxRetries: 20,
  minDelayS: 1,
  maxDelayS: 86_400,
  maxChars: 300,
} as const;

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
const ITEM = /^(\d{1,6})\s*([smhd]?)$/;

export type ParsedRetryDelays = { ok: true; delaysS: number[] } | { ok: false; message: string };

export function parseRetryDelays(text: string): ParsedRetryDelays {
  const b = RETRY_DELAYS_BOUNDS;
  if (text.length > b.maxChars) return { ok: false, message: `must be at most ${b.maxChars} characters` };
  const items = text.split(',').map((s) => s.trim());
  if (items.length > 1 && items.at(-1) === '') items.pop(); // a trailing comma
  if (items.length === 1 && items[0] === '')
    return { ok: false, message: 'must list at least one delay, e.g. 5s,5m,30m,2h' };
  if (items.length > b.maxRetries)
    return { ok: false, message: `must list at most ${b.maxRetries} delays (it lists ${items.length})` };
  const delaysS: number[] = [];
  for (const [i, item] of items.entries()) {
    const m = ITEM.exec(item.toLowerCase());
    if (m === null)
      return {
        ok: false,
        message: `must list numbers with s, m, h or d, e.g. 30s, 5m, 2h: delay ${i + 1} ("${item.slice(0, 20)}") is not one`,
      };
    const seconds = Number(m[1]) * (UNIT_S[m[2] || 's'] ?? 1);
    if (seconds < b.minDelayS || seconds > b.maxDelayS)
      return {
        ok: false,
        message: `must keep each delay between 1s and 24h: delay ${i + 1} (${item}) is ${seconds < b.minDelayS ? 'shorter' : 'longer'}`,
      };
    const previous = delaysS[i - 1];
    if (previous !== undefined && seconds < previous)
      return {
        ok: false,
        message: `must not decrease: delay ${i + 1} (${item}) is shorter than delay ${i} (${formatDelay(previous)})`,
      };
    delaysS.push(seconds);
  }
  return { ok: true, delaysS };
}

/** One delay in the largest unit that states it exactly (hours rather than days: "24h"). */
export function formatDelay(seconds: number): string {
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The canonical text of a list of delays (what is stored and shown). */
export const formatRetryDelays = (delaysS: readonly number[]): string => delaysS.map(formatDelay).join(',');
