/**
 * The project's one JSONPath evaluator (dedup rules, flow conditions, outbound-webhook filters).
 *
 * Paths come from users and run against bodies from strangers, so three things hold:
 * - no code runs: jsonpath-plus is called with `eval: false`, and filter/script expressions (`?(…)`,
 *   `(…)`) are refused when the path is compiled, with a message saying so;
 * - work is bounded: path length, segments, one recursive descent (`..`) at most, union size, result
 *   count (counted as results arrive, so `$..*` on a large body stops early) and, for paths that can
 *   fan out, the size and depth of the document;
 * - the only error ever thrown is `JsonPathError` (kind `syntax`, `forbidden` or `limit`).
 *
 * Paths are parsed here into segments and re-serialised in a normal form; the normal form is accepted
 * only if jsonpath-plus splits it into exactly those segments, so what was validated is what runs
 * (its tokenizer treats `,`, `@`, backticks, `:` and others specially inside names).
 */
import { JSONPath } from 'jsonpath-plus';
import { z } from 'zod';

export type JsonPathLimits = {
  /** Characters in the path. */
  maxLength: number;
  /** Segments after `$`. */
  maxSegments: number;
  /** `..` occurrences: each one multiplies the work by the document's depth. */
  maxDescents: number;
  /** Members of one `[a,b,…]` union. */
  maxUnionMembers: number;
  /** Results collected before the query fails with a `limit` error. */
  maxResults: number;
  /** Values (objects, arrays, scalars) a document may hold for a path that fans out (`..`, `*`, unions, slices). */
  maxNodes: number;
  /** Nesting depth a document may have for a path that fans out. */
  maxDepth: number;
};

export const DEFAULT_JSONPATH_LIMITS: Readonly<JsonPathLimits> = Object.freeze({
  maxLength: 256,
  maxSegments: 32,
  maxDescents: 1,
  maxUnionMembers: 16,
  maxResults: 1_000,
  maxNodes: 100_000,
  maxDepth: 64,
});

export type JsonPathErrorKind = 'syntax' | 'forbidden' | 'limit';

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
  constructor(
    readonly kind: JsonPathErrorKind,
    message: string,
    /** The path as given (cut to 300 characters). */
    readonly path: string,
  ) {
    super(message);
  }
}

export const isJsonPathError = (err: unknown): err is JsonPathError => err instanceof JsonPathError;

export type JsonPathSegment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descend' }
  | { kind: 'union'; members: readonly (string | number)[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number };

export type CompiledJsonPath = {
  readonly source: string;
  /** The form handed to jsonpath-plus. */
  readonly normalized: string;
  readonly segments: readonly JsonPathSegment[];
  /** True when the path selects at most one value (names and indices only). */
  readonly singular: boolean;
};

/** Keys that reach an object's prototype machinery; refused as names everywhere in the project. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const SIMPLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_$-]*$/;
const INT = /^(0|[1-9][0-9]{0,8})$/;
const SLICE_TOKEN = /^(-?\d*):(-?\d*):?(\d*)$/;

function resolveLimits(limits?: Partial<JsonPathLimits>): JsonPathLimits {
  return limits === undefined ? DEFAULT_JSONPATH_LIMITS : { ...DEFAULT_JSONPATH_LIMITS, ...limits };
}

const shown = (path: string): string => (path.length > 300 ? `${path.slice(0, 300)}…` : path);

class Parser {
  pos = 1;
  constructor(
    readonly src: string,
    readonly limits: JsonPathLimits,
  ) {}

  fail(message: string, kind: JsonPathErrorKind = 'syntax'): never {
    throw new JsonPathError(kind, `${message} (at character ${this.pos + 1})`, shown(this.src));
  }

  peek(n = 0): string {
    return this.src.charAt(this.pos + n);
  }

  parse(): JsonPathSegment[] {
    const out: JsonPathSegment[] = [];
    while (this.pos < this.src.length) {
      const c = this.peek();
      if (c === '.' && this.peek(1) === '.') {
        this.pos += 2;
        out.push({ kind: 'descend' });
        if (this.peek() === '[') out.push(this.bracket());
        else if (this.peek() === '*') {
          this.pos++;
          out.push({ kind: 'wildcard' });
        } else out.push(this.dotName());
      } else if (c === '.') {
        this.pos++;
        if (this.peek() === '*') {
          this.pos++;
          out.push({ kind: 'wildcard' });
        } else out.push(this.dotName());
      } else if (c === '[') {
        out.push(this.bracket());
      } else {
        this.fail(`unexpected '${c}': expected '.', '..' or '['`);
      }
      if (out.length > this.limits.maxSegments)
        this.fail(`more than ${this.limits.maxSegments} segments`, 'limit');
    }
    return out;
  }

  dotName(): JsonPathSegment {
    const m = /^[A-Za-z0-9_$-]+/.exec(this.src.slice(this.pos));
    if (m === null) this.fail('expected a name');
    this.pos += m[0].length;
    return { kind: 'name', name: this.checkName(m[0]) };
  }

  checkName(name: string): string {
    if (PROTOTYPE_KEYS.has(name)) this.fail(`'${name}' is not allowed in a path`, 'forbidden');
    if (name === '' || name === '$' || name === '..' || name === '*' || name === '^' || name === '~')
      this.fail(`'${name}' cannot be used as a name`);
    if (/^[@`?(]/.test(name) || name.includes(',') || SLICE_TOKEN.test(name))
      this.fail(`the name '${name}' cannot be looked up: it starts with @, \`, ? or ( or contains , or :`);
    return name;
  }

  ws(): void {
    while (this.peek() === ' ') this.pos++;
  }

  bracket(): JsonPathSegment {
    this.pos++; // [
    this.ws();
    const members: (string | number)[] = [];
    let slice: JsonPathSegment | undefined;
    if (this.peek() === '*') {
      this.pos++;
      this.ws();
      this.expect(']');
      return { kind: 'wildcard' };
    }
    for (;;) {
      const c = this.peek();
      if (c === "'" || c === '"') members.push(this.quoted(c));
      else if (/[-0-9:]/.test(c)) {
        const m = /^-?[0-9]*(:-?[0-9]*(:-?[0-9]*)?)?/.exec(this.src.slice(this.pos));
        const token = m?.[0] ?? '';
        if (token.includes(':')) {
          if (members.length > 0) this.fail('a slice cannot be part of a union');
          slice = this.slice(token);
          this.pos += token.length;
          this.ws();
          this.expect(']');
          return slice;
        }
        if (token.startsWith('-')) this.fail(`negative index ${token}: use a slice such as [-1:] instead`);
        if (!INT.test(token)) this.fail(`'${token}' is not a valid index`);
        this.pos += token.length;
        members.push(Number(token));
      } else if (c === '?' || c === '(') {
        this.fail('filter and script expressions ((…), ?(…)) are not supported', 'forbidden');
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_$-]*/.exec(this.src.slice(this.pos));
        if (m === null) this.fail(`unexpected '${c}' in brackets`);
        this.pos += m[0].length;
        members.push(this.checkName(m[0]));
      }
      this.ws();
      if (this.peek() === ',') {
        this.pos++;
        this.ws();
        continue;
      }
      this.expect(']');
      break;
    }
    if (members.length === 1) {
      const only = members[0]!;
      return typeof only === 'number' ? { kind: 'index', index: only } : { kind: 'name', name: only };
    }
    if (members.length > this.limits.maxUnionMembers)
      this.fail(`a union may have at most ${this.limits.maxUnionMembers} members`, 'limit');
    if (new Set(members.map(String)).size !== members.length)
      this.fail('a union lists the same member twice');
    for (const m of members)
      if (typeof m === 'string' && !SIMPLE_NAME.test(m))
        this.fail(`union member '${m}' must be a plain name (letters, digits, _ and -) or an index`);
    return { kind: 'union', members };
  }

  slice(token: string): JsonPathSegment {
    const [a = '', b = '', step = ''] = token.split(':');
    const num = (s: string): number | undefined => {
      if (s === '') return undefined;
      if (!/^-?(0|[1-9][0-9]{0,8})$/.test(s)) this.fail(`'${s}' is not a valid slice bound`);
      return Number(s);
    };
    if (step.startsWith('-') || step === '0') this.fail('a slice step must be a positive integer');
    const out: { kind: 'slice'; start?: number; end?: number; step?: number } = { kind: 'slice' };
    const start = num(a);
    const end = num(b);
    const st = num(step);
    if (start !== undefined) out.start = start;
    if (end !== undefined) out.end = end;
    if (st !== undefined) out.step = st;
    return out;
  }

  quoted(q: string): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated quoted name');
      const c = this.peek();
      if (c === '\\') {
        const n = this.peek(1);
        if (n !== '\\' && n !== "'" && n !== '"') this.fail(`unsupported escape '\\${n}'`);
        out += n;
        this.pos += 2;
      } else if (c === q) {
        this.pos++;
        return this.checkName(out);
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  expect(c: string): void {
    if (this.peek() !== c) this.fail(`expected '${c}'`);
    this.pos++;
  }
}

/** The normal form given to jsonpath-plus, and the tokens it must split that form into. */
function normalize(segments: readonly JsonPathSegment[]): { text: string; tokens: string[] } {
  let text = '$';
  const tokens = ['$'];
  for (const s of segments) {
    switch (s.kind) {
      case 'name':
        text += `['${s.name}']`;
        tokens.push(s.name);
        break;
      case 'index':
        text += `[${s.index}]`;
        tokens.push(String(s.index));
        break;
      case 'wildcard':
        text += '[*]';
        tokens.push('*');
        break;
      case 'descend':
        text += '..';
        tokens.push('..');
        break;
      case 'union': {
        const joined = s.members.join(',');
        text += `[${joined}]`;
        tokens.push(joined);
        break;
      }
      case 'slice': {
        const t = `${s.start ?? ''}:${s.end ?? ''}${s.step !== undefined ? `:${s.step}` : ''}`;
        text += `[${t}]`;
        tokens.push(t);
        break;
      }
    }
  }
  return { text, tokens };
}

/** jsonpath-plus memoises every path it tokenises in a static object; keep that from growing without bound. */
const MAX_LIBRARY_CACHE = 5_000;
let libraryCacheEntries = 0;
function tokenizeWithLibrary(text: string): string[] {
  if (++libraryCacheEntries > MAX_LIBRARY_CACHE) {
    JSONPath.cache = {};
    libraryCacheEntries = 0;
  }
  return JSONPath.toPathArray(text);
}

const compiledCache = new Map<string, CompiledJsonPath>();
const MAX_COMPILED_CACHE = 2_000;

/**
 * Parses and checks a path. Throws `JsonPathError` (only) when the path is malformed, uses a
 * filter/script expression or a prototype key, or exceeds a limit.
 */
export function compileJsonPath(path: string, limits?: Partial<JsonPathLimits>): CompiledJsonPath {
  if (typeof path !== 'string') throw new JsonPathError('syntax', 'a path must be a string', '');
  const useCache = limits === undefined;
  if (useCache) {
    const hit = compiledCache.get(path);
    if (hit !== undefined) return hit;
  }
  const l = resolveLimits(limits);
  if (path.length > l.maxLength)
    throw new JsonPathError('limit', `a path may be at most ${l.maxLength} characters`, shown(path));
  if (!path.startsWith('$')) throw new JsonPathError('syntax', 'a path must start with $', shown(path));
  if (/[()?]/.test(path))
    throw new JsonPathError(
      'forbidden',
      'filter and script expressions ((…), ?(…)) are not supported',
      shown(path),
    );
  const segments = new Parser(path, l).parse();
  const descents = segments.filter((s) => s.kind === 'descend').length;
  if (descents > l.maxDescents)
    throw new JsonPathError(
      'limit',
      `a path may use recursive descent (..) at most ${l.maxDescents} time(s)`,
      shown(path),
    );
  const { text, tokens } = normalize(segments);
  let libraryTokens: string[];
  try {
    libraryTokens = tokenizeWithLibrary(text);
  } catch {
    libraryTokens = [];
  }
  if (libraryTokens.length !== tokens.length || libraryTokens.some((t, i) => t !== tokens[i]))
    throw new JsonPathError(
      'syntax',
      'a name in this path contains characters the evaluator cannot address (quotes, brackets, ; or %)',
      shown(path),
    );
  const compiled: CompiledJsonPath = Object.freeze({
    source: path,
    normalized: text,
    segments: Object.freeze(segments),
    singular: segments.every((s) => s.kind === 'name' || s.kind === 'index'),
  });
  if (useCache) {
    if (compiledCache.size >= MAX_COMPILED_CACHE) compiledCache.clear();
    compiledCache.set(path, compiled);
  }
  return compiled;
}

export type JsonPathCheck = { ok: true; path: CompiledJsonPath } | { ok: false; error: JsonPathError };

/** `compileJsonPath` as a result instead of a throw, for validators. */
export function checkJsonPath(path: unknown, limits?: Partial<JsonPathLimits>): JsonPathCheck {
  if (typeof path !== 'string')
    return { ok: false, error: new JsonPathError('syntax', 'a path must be a string', '') };
  try {
    return { ok: true, path: compileJsonPath(path, limits) };
  } catch (err) {
    if (isJsonPathError(err)) return { ok: false, error: err };
    return { ok: false, error: new JsonPathError('syntax', 'the path could not be parsed', shown(path)) };
  }
}

/** A zod string schema for a stored JSONPath, with the compiler's message on failure. */
export function jsonPathSchema(limits?: Partial<JsonPathLimits>) {
  return z.string().superRefine((value, ctx) => {
    const r = checkJsonPath(value, limits);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error.message });
  });
}

const sizeCache = new WeakMap<object, { nodes: number; depth: number }>();

/** Counts values and depth, stopping once either limit is passed (so the count itself is bounded). */
function measure(json: object, l: JsonPathLimits): { nodes: number; depth: number } {
  const cached = sizeCache.get(json);
  if (cached !== undefined) return cached;
  let nodes = 0;
  let depth = 0;
  const stack: [unknown, number][] = [[json, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    nodes++;
    if (d > depth) depth = d;
    if (nodes > l.maxNodes || depth > l.maxDepth) break;
    if (typeof v === 'object' && v !== null) {
      const values = Array.isArray(v) ? (v as unknown[]) : Object.values(v);
      for (const child of values) stack.push([child, d + 1]);
    }
  }
  const out = { nodes, depth };
  sizeCache.set(json, out);
  return out;
}

class Stop {
  constructor(readonly reason: 'enough' | 'too-many') {}
}

export type JsonPathQueryOptions = {
  /** Stop after this many results (no error): `1` for "first match". */
  first?: number;
  limits?: Partial<JsonPathLimits>;
};

/**
 * The values `path` selects in `json`, in document order. Throws only `JsonPathError`: for a bad
 * path, or a `limit` error when the document is too large or deep for a fanning-out path or more than
 * `maxResults` values match.
 */
export function queryJsonPath(
  path: string | CompiledJsonPath,
  json: unknown,
  options: JsonPathQueryOptions = {},
): unknown[] {
  const l = resolveLimits(options.limits);
  const compiled = typeof path === 'string' ? compileJsonPath(path, options.limits) : path;
  if (compiled.segments.length === 0) return [json];
  if (typeof json !== 'object' || json === null) return [];
  if (!compiled.singular) {
    const size = measure(json, l);
    if (size.nodes > l.maxNodes)
      throw new JsonPathError(
        'limit',
        `the document has more than ${l.maxNodes} values; use a path without .., * or unions`,
        shown(compiled.source),
      );
    if (size.depth > l.maxDepth)
      throw new JsonPathError(
        'limit',
        `the document is nested deeper than ${l.maxDepth} levels; use a path without .., * or unions`,
        shown(compiled.source),
      );
  }
  const wanted = options.first ?? Infinity;
  const out: unknown[] = [];
  try {
    JSONPath({
      path: compiled.normalized,
      json,
      eval: false,
      wrap: true,
      resultType: 'value',
      callback: (value: unknown) => {
        out.push(value);
        if (out.length >= wanted) throw new Stop('enough');
        if (out.length > l.maxResults) throw new Stop('too-many');
      },
    });
  } catch (err) {
    if (err instanceof Stop) {
      if (err.reason === 'enough') return out;
      throw new JsonPathError('limit', `more than ${l.maxResults} values match`, shown(compiled.source));
    }
    // A stack overflow or anything else inside the library on a hostile document.
    throw new JsonPathError(
      'limit',
      'the path could not be evaluated on this document',
      shown(compiled.source),
    );
  }
  return out;
}

export type JsonPathMatch = { found: true; value: unknown } | { found: false };

/** The first value `path` selects, if any. Throws only `JsonPathError`. */
export function firstJsonPathMatch(
  path: string | CompiledJsonPath,
  json: unknown,
  limits?: Partial<JsonPathLimits>,
): JsonPathMatch {
  const values = queryJsonPath(path, json, limits === undefined ? { first: 1 } : { first: 1, limits });
  return values.length > 0 ? { found: true, value: values[0] } : { found: false };
}
