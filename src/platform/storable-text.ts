/**
 * Text PostgreSQL cannot store, and JSON nested beyond what the gateway walks. Pure.
 *
 * JSON may carry any UTF-16 code unit (`"\u0000"`, a lone `"\ud800"`), but PostgreSQL's `text` and
 * `jsonb` hold neither a NUL character nor an unpaired surrogate (22021/22P05; drivers differ on what
 * they do with a surrogate before the server sees it). Input is refused with these (admin and lifecycle
 * bodies, queries and path parameters); where raw bytes must be kept (inbound webhooks), the text handed
 * on is made storable instead.
 */

/** How deeply arrays and objects may nest in any JSON the gateway accepts (docs/ingestion.md, "Limits"). */
export const MAX_JSON_DEPTH = 128;

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex -- matching the NUL character is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const isStorableText = (s: string): boolean => !UNSTORABLE.test(s);

/** The text with every NUL and unpaired surrogate replaced by U+FFFD (what a UTF-8 decoder shows for bad bytes). */
export const storableText = (s: string): string =>
  UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, '\uFFFD') : s;

export type InputProblem = { path: string; message: string };

export const UNSTORABLE_MESSAGE =
  'contains a NUL character or an unpaired UTF-16 surrogate, which cannot be stored';
export const TOO_DEEP_MESSAGE = `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`;

const fieldPath = (base: string, key: string | number): string =>
  typeof key === 'number' || /^[A-Za-z_$][\w$-]*$/.test(key)
    ? `${base}.${key}`
    : `${base}[${JSON.stringify(key)}]`;

/**
 * The strings (and object keys) in a parsed value that cannot be stored, and the arrays or objects nested
 * deeper than `maxDepth`, with their paths (`body.settings.0.value`, zod's style). Walks with an explicit
 * stack, so no input can exhaust the call stack; stops after `maxIssues`.
 */
export function findInputProblems(
  value: unknown,
  root: string,
  opts: { maxDepth?: number; maxIssues?: number } = {},
): InputProblem[] {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const maxIssues = opts.maxIssues ?? 20;
  const issues: InputProblem[] = [];
  // [value, path, number of arrays/objects enclosing it]
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0 && issues.length < maxIssues) {
    const [v, path, enclosing] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) issues.push({ path, message: UNSTORABLE_MESSAGE });
      continue;
    }
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) continue;
    if (enclosing + 1 > maxDepth) {
      issues.push({ path, message: TOO_DEEP_MESSAGE });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], fieldPath(path, i), enclosing + 1]);
      continue;
    }
    const entries: [string, unknown][] = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const childPath = fieldPath(path, key);
      if (!isStorableText(key)) issues.push({ path: childPath, message: `its name ${UNSTORABLE_MESSAGE}` });
      stack.push([child, childPath, enclosing + 1]);
    }
  }
  return issues.slice(0, maxIssues);
}

/**
 * How deeply arrays and objects nest in a JSON text, from its bytes (strings skipped, escapes honoured),
 * without parsing it: the check for raw bodies that are kept as they are. Stops counting past `stopAt`.
 */
export function jsonNestingDepth(raw: Uint8Array, stopAt = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > stopAt) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
