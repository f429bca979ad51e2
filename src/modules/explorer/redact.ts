/**
 * Keeps credentials out of explorer responses and history rows. Two mechanisms, both needed:
 * - by value: every occurrence of a known secret (the installation token, the caller's token) is
 *   replaced in any string, including URL-encoded forms, wherever a caller might have pasted it;
 * - by name: the values of credential headers (`X-Addon-Token`, `Authorization`, `X-Api-Key`, cookies,
 *   anything named like a token/secret/key) and string properties with such names are replaced,
 *   whatever they hold. That includes tokens Clockify returns (a webhook's `authToken`): history rows
 *   are kept and readable by every reader of the workspace, read-only credentials included.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for: replacing "ab" everywhere would wreck the text. */
const MIN_SECRET_LENGTH = 8;

const SENSITIVE_HEADERS = new Set([
  'x-addon-token',
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-marketplace-token',
  'x-addon-lifecycle-token',
  'clockify-signature',
  'cookie',
  'set-cookie',
]);

/** Header or property names whose value is a credential. */
export function isSensitiveName(name: string): boolean {
  const n = name.toLowerCase();
  return (
    SENSITIVE_HEADERS.has(n) ||
    /(^|[-_])(token|secret|password|api[-_]?key|apikey|auth|authorization|cookie|signature)([-_]|$)/.test(
      n,
    ) ||
    /(token|secret|password|apikey|authorization)$/i.test(name)
  );
}

function variants(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  return [...forms].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** The string with every occurrence of each secret (and its URL/JSON-escaped forms) replaced. */
export function redactString(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (typeof secret !== 'string') continue;
    for (const form of variants(secret)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/**
 * A deep copy with secrets replaced in every string and the values of sensitive-named properties
 * replaced outright. Depth-limited (64) so hostile nesting cannot exhaust the stack.
 */
export function redactValue(value: unknown, secrets: readonly (string | null | undefined)[]): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactString(v, secrets);
    if (typeof v !== 'object' || v === null) return v;
    if (depth > 64) return REDACTED;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = redactString(k, secrets);
      // Only string values: a credential is a string, and `"tokenExpired": true` must stay a boolean.
      out[key] = isSensitiveName(k) && typeof x === 'string' && x !== '' ? REDACTED : walk(x, depth + 1);
    }
    return out;
  };
  return walk(value, 0);
}

/** Header map with credential headers' values replaced and secrets removed from the others. */
export function redactHeaders(
  headers: Record<string, string | readonly string[] | undefined>,
  secrets: readonly (string | null | undefined)[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = typeof value === 'string' ? value : value.join(', ');
    out[name.toLowerCase()] = isSensitiveName(name) ? REDACTED : redactString(joined, secrets);
  }
  return out;
}

/** What the explorer echoes (and stores) of the request it sent. */
export type RequestEcho = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
};

export function redactRequestEcho(
  echo: RequestEcho,
  secrets: readonly (string | null | undefined)[],
): RequestEcho {
  return {
    method: echo.method,
    url: redactString(echo.url, secrets),
    headers: redactHeaders(echo.headers, secrets),
    ...(echo.body !== undefined ? { body: redactValue(echo.body, secrets) } : {}),
  };
}
