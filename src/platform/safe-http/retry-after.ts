/** A week: beyond this a Retry-After is taken at this value (callers cap it further). */
const MAX_RETRY_AFTER_MS = 7 * 24 * 3_600_000;

// IMF-fixdate, plus the obsolete RFC 850 and asctime forms RFC 9110 says recipients must accept.
const HTTP_DATE =
  /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from `nowMs`: delay-seconds or an HTTP date (a
 * past date is 0). Undefined when absent or not one of those forms (e.g. `-1`, `1.5`, `soon`).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const v = value?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1_000, MAX_RETRY_AFTER_MS);
  if (!HTTP_DATE.test(v)) return undefined;
  // asctime has no zone; it is GMT by definition.
  const at = Date.parse(v.endsWith('GMT') ? v : `${v} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}
