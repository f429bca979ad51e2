/** Request headers as Node (and Fastify) hand them over. */
export type RawHeaders = Record<string, string | string[] | undefined>;

/** Case-insensitive header read; `undefined` when absent or empty. */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * True when every name is already lowercase, as in the headers Node parses (it lowercases names and
 * merges repeats). Then a name maps to one entry and lookups need no copy: this runs on every webhook.
 */
function namesAreLowercase(headers: RawHeaders): boolean {
  for (const name in headers) if (name !== name.toLowerCase()) return false;
  return true;
}

const joinValue = (value: string | string[]): string => (Array.isArray(value) ? value.join(', ') : value);

/**
 * Builds a case-insensitive lookup. Repeated headers are joined with `, `, as Node does for fields it
 * does not know, so a sender cannot pick which copy we read by duplicating a header.
 */
export function headerLookup(headers: RawHeaders): HeaderLookup {
  const merged = namesAreLowercase(headers) ? headers : normaliseHeaders(headers);
  return (name) => {
    const value = merged[name.toLowerCase()];
    if (value === undefined) return undefined;
    const joined = joinValue(value).trim();
    return joined === '' ? undefined : joined;
  };
}

/** Lowercased name → single string value; arrays joined as above. */
export function normaliseHeaders(headers: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const joined = joinValue(value);
    out[key] = key in out ? `${out[key]}, ${joined}` : joined;
  }
  return out;
}
