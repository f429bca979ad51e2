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

const pathStep = (key: string | number): string =>
  typeof key === 'number' || /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

/** One value on the walk's stack; its path is only spelled out when it is reported. */
type Frame = { value: unknown; key: string | number | null; parent: Frame | null; enclosing: number };
const pathOf = (root: string, f: Frame): string => {
  const steps: string[] = [];
  for (let x: Frame | null = f; x !== null && x.key !== null; x = x.parent) steps.push(pathStep(x.key));
  return root + steps.reverse().join('');
};

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
  const stack: Frame[] = [{ value, key: null, parent: null, enclosing: 0 }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      if (!isStorableText(v)) issues.push({ path: pathOf(root, f), message: UNSTORABLE_MESSAGE });
      continue;
    }
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) continue;
    if (f.enclosing + 1 > maxDepth) {
      issues.push({ path: pathOf(root, f), message: TOO_DEEP_MESSAGE });
      continue;
    }
    const enclosing = f.enclosing + 1;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: f, enclosing });
      continue;
    }
    const entries: [string, unknown][] = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const frame: Frame = { value: child, key, parent: f, enclosing };
      if (!isStorableText(key))
        issues.push({ path: pathOf(root, frame), message: `its name ${UNSTORABLE_MESSAGE}` });
      stack.push(frame);
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

/**
 * A parsed JSON value whose strings and keys can all be stored (each NUL and unpaired surrogate replaced
 * by U+FFFD); the value itself when nothing needed replacing. Throws a RangeError beyond `maxDepth`.
 */
export function storableJson(value: unknown, maxDepth = MAX_JSON_DEPTH): unknown {
  const problems = findInputProblems(value, '$', { maxDepth, maxIssues: 1 });
  if (problems.length === 0) return value;
  if (problems[0]!.message === TOO_DEEP_MESSAGE) throw new RangeError(`The value ${TOO_DEEP_MESSAGE}`);
  // Depth is bounded by now, so plain recursion is safe. fromEntries defines keys as own properties
  // (a "__proto__" key stays a key).
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return storableText(v);
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map(copy);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), copy(x)]));
  };
  return copy(value);
}
