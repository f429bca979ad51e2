/** Request headers as Node (and Fastify) hand them over. */
export type RawHeaders = Record<string, string | string[] | undefined>;

/** Case-insensitive header read; `undefined` when absent or empty. */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * Builds a case-insensitive lookup. Repeated headers are joined with `, `, as Node does for fields it
 * does not know, so a sender cannot pick which copy we read by duplicating a header.
 */
export function headerLookup(headers: RawHeaders): HeaderLookup {
  const map = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const list = map.get(key) ?? [];
    list.push(...(Array.isArray(value) ? value : [value]));
    map.set(key, list);
  }
  return (name) => {
    const joined = map.get(name.toLowerCase())?.join(', ').trim();
    return joined === undefined || joined === '' ? undefined : joined;
  };
}

/** Lowercased name → single string value; arrays joined as above. */
export function normaliseHeaders(headers: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(', ') : value;
    out[key] = key in out ? `${out[key]}, ${joined}` : joined;
  }
  return out;
}
