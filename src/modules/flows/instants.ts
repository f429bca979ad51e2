/**
 * ISO-8601 dates and instants as conditions and the `date` filter read them: `2024-05-01`,
 * `2024-05-01T10:00`, `2024-05-01T10:00:00.123456Z`, `2024-05-01 10:00:00+02:00`. A value without a
 * zone is read as UTC (never as the server's local time). Anything else is not a date.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Milliseconds since the epoch, or undefined when `s` is not an ISO-8601 date. */
export function parseInstant(s: string): number | undefined {
  if (s.length > 40) return undefined;
  const m = ISO.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return undefined;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMin = sign * (oh * 60 + om);
  }
  // Date.UTC reads years 0–99 as 1900–1999; set the full year explicitly.
  const t = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  t.setUTCFullYear(year);
  return t.getTime() - offsetMin * 60_000;
}
