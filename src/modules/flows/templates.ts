/**
 * Templates: `{{ root.path | filter: arg }}` inside JSON values. Data, never code: a path names a
 * value in the flow context (context.ts), a filter comes from a fixed list, an argument is a literal.
 * There is nothing to evaluate, call or import, so there is nothing to escape from.
 *
 * - A string that is exactly one template keeps the JSON type of its value (a number stays a number,
 *   an object an object); inside a longer string the value is written as text.
 * - A path that does not resolve is an error naming the template and the path, unless `default` is
 *   given. An empty string or `null` is never sent in its place.
 * - Roots are a fixed list; prototype keys are refused anywhere; output size is capped.
 */
import { PROTOTYPE_KEYS } from '../../platform/jsonpath.js';
import {
  ACTION_RESULT_FIELDS,
  CONTEXT_ROOTS,
  type ContextRoot,
  type FlowContext,
  ROOT_FIELDS,
} from './context.js';
import { parseInstant } from './instants.js';
import {
  boundedJson,
  cloneData,
  defineData,
  isRecord,
  joinPath,
  jsonLength,
  ownValue,
  preview,
  typeName,
} from './values.js';

export type TemplateLimits = {
  /** Characters in one template string. */
  maxTemplateLength: number;
  /** `{{ }}` expressions in one string. */
  maxExpressions: number;
  /** Segments in one path (nested paths included). */
  maxPathSegments: number;
  /** Filters in one expression. */
  maxFilters: number;
  /** Characters of output (JSON length) one `render` call may produce. */
  maxOutputChars: number;
};

export const DEFAULT_TEMPLATE_LIMITS: Readonly<TemplateLimits> = Object.freeze({
  maxTemplateLength: 16_384,
  maxExpressions: 64,
  maxPathSegments: 32,
  maxFilters: 8,
  maxOutputChars: 1_048_576,
});

export type TemplateErrorCode = 'syntax' | 'forbidden' | 'unresolved' | 'type' | 'limit';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    /** Where the template is in the rendered value, e.g. `body.name` or `url` (empty at the top). */
    readonly location: string,
    /** The whole template string (cut to 300 characters). */
    readonly template: string,
    /** The `{{ … }}` expression at fault, when there is one. */
    readonly expression?: string,
    /** The path that did not resolve, when that is the fault. */
    readonly path?: string,
  ) {
    super(message);
  }
}

export const isTemplateError = (err: unknown): err is TemplateError => err instanceof TemplateError;

export const FILTERS = ['default', 'upper', 'lower', 'trim', 'string', 'number', 'json', 'date'] as const;
export type FilterName = (typeof FILTERS)[number];

export type Literal = string | number | boolean | null | [] | Record<string, never>;

export type PathSegment =
  { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'dynamic'; path: TemplatePath };

export type TemplatePath = { root: ContextRoot; segments: readonly PathSegment[]; text: string };

export type TemplateFilter = { name: FilterName; args: readonly Literal[] };

export type TemplateExpression = {
  head: { kind: 'path'; path: TemplatePath } | { kind: 'literal'; value: Literal };
  filters: readonly TemplateFilter[];
  /** The expression's source, braces included. */
  text: string;
};

export type TemplatePart =
  { kind: 'text'; text: string } | { kind: 'expression'; expression: TemplateExpression };

/** A path a template reads; what validators and the engine need to know about it. */
export type TemplateReference = {
  root: ContextRoot;
  /** The path as written, e.g. `cache.project[webhook.projectId].name`. */
  path: string;
  /** For `actions.<id>` / `actions[N]`. */
  actionId?: string;
  actionIndex?: number;
  /** For `cache.<entityType>…`. */
  entityType?: string;
  /** A literal `cache.<type>.<id>` id; absent when the id comes from another path. */
  entityId?: string;
  /** The dynamic id's path, for `cache.<type>[path]`. */
  entityIdPath?: TemplatePath;
  /** Whether the expression has `| default:` (a missing value is then allowed). */
  hasDefault: boolean;
};

export type ParsedTemplate = {
  source: string;
  parts: readonly TemplatePart[];
  /** Exactly one expression and no text: the value keeps its JSON type. */
  single: boolean;
  references: readonly TemplateReference[];
};

export type TemplateParse = { ok: true; template: ParsedTemplate } | { ok: false; error: TemplateError };

const cut = (s: string): string => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

/** Whether a string contains template syntax at all (strings without `{{` are plain text). */
export const hasTemplate = (s: string): boolean => s.includes('{{');

const KEY = /^[A-Za-z0-9_$][A-Za-z0-9_$-]*/;
const FILTER_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/;

const limitsOf = (l?: Partial<TemplateLimits>): TemplateLimits =>
  l === undefined ? DEFAULT_TEMPLATE_LIMITS : { ...DEFAULT_TEMPLATE_LIMITS, ...l };

class ExpressionParser {
  pos = 0;
  segmentCount = 0;
  constructor(
    readonly src: string,
    readonly fail: (code: TemplateErrorCode, message: string) => never,
    readonly limits: TemplateLimits,
  ) {}

  peek(n = 0): string {
    return this.src.charAt(this.pos + n);
  }
  ws(): void {
    while (/\s/.test(this.peek()) && this.pos < this.src.length) this.pos++;
  }
  rest(): string {
    return this.src.slice(this.pos);
  }

  expression(): Omit<TemplateExpression, 'text'> {
    this.ws();
    const c = this.peek();
    const head: TemplateExpression['head'] =
      c === "'" || c === '"' || /[-0-9[{]/.test(c) || /^(true|false|null)\b/.test(this.rest())
        ? { kind: 'literal', value: this.literal() }
        : { kind: 'path', path: this.path(0) };
    const filters: TemplateFilter[] = [];
    for (;;) {
      this.ws();
      if (this.pos >= this.src.length) break;
      if (this.peek() !== '|') this.fail('syntax', `unexpected '${this.peek()}': expected '|' or '}}'`);
      this.pos++;
      this.ws();
      filters.push(this.filter());
      if (filters.length > this.limits.maxFilters)
        this.fail('limit', `at most ${this.limits.maxFilters} filters per expression`);
    }
    return { head, filters };
  }

  path(depth: number): TemplatePath {
    const start = this.pos;
    const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(this.rest());
    if (m === null)
      this.fail('syntax', `expected a path such as webhook.id, found '${cut(this.rest()).slice(0, 20)}'`);
    const root = m[0];
    this.pos += root.length;
    if (!(CONTEXT_ROOTS as readonly string[]).includes(root))
      this.fail('forbidden', `template root '${root}' is not allowed (use ${CONTEXT_ROOTS.join(', ')})`);
    const segments: PathSegment[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '.') {
        this.pos++;
        const k = KEY.exec(this.rest());
        if (k === null)
          this.fail('syntax', `expected a name after '.' in '${this.src.slice(start, this.pos)}'`);
        this.pos += k[0].length;
        segments.push({ kind: 'key', key: this.checkKey(k[0]) });
      } else if (c === '[') {
        this.pos++;
        this.ws();
        const d = this.peek();
        if (d === "'" || d === '"') segments.push({ kind: 'key', key: this.checkKey(this.quoted()) });
        else if (/[-0-9]/.test(d)) {
          const n = /^-?(0|[1-9][0-9]{0,8})(?![0-9.])/.exec(this.rest());
          if (n === null) this.fail('syntax', 'expected an integer index');
          this.pos += n[0].length;
          segments.push({ kind: 'index', index: Number(n[0]) });
        } else {
          if (depth >= 2) this.fail('limit', 'paths inside [ ] may nest at most two levels');
          segments.push({ kind: 'dynamic', path: this.path(depth + 1) });
        }
        this.ws();
        if (this.peek() !== ']') this.fail('syntax', `expected ']' in '${this.src.slice(start, this.pos)}'`);
        this.pos++;
      } else break;
      if (++this.segmentCount > this.limits.maxPathSegments)
        this.fail('limit', `a path may have at most ${this.limits.maxPathSegments} segments`);
    }
    const path: TemplatePath = { root: root as ContextRoot, segments, text: this.src.slice(start, this.pos) };
    this.checkShape(path);
    return path;
  }

  checkKey(key: string): string {
    if (PROTOTYPE_KEYS.has(key)) this.fail('forbidden', `'${key}' is not allowed in a path`);
    return key;
  }

  /** The fixed-shape roots only have their documented fields. */
  checkShape(p: TemplatePath): void {
    const [first, second] = p.segments;
    switch (p.root) {
      case 'webhook':
        return;
      case 'event':
      case 'workspace':
      case 'flow':
      case 'execution': {
        const fields = ROOT_FIELDS[p.root];
        if (first === undefined) return;
        if (first.kind !== 'key' || !fields.includes(first.key))
          this.fail(
            'forbidden',
            `'${p.text}': ${p.root} has only ${fields.map((f) => `${p.root}.${f}`).join(', ')}`,
          );
        if (second !== undefined) this.fail('syntax', `'${p.text}': ${p.root}.${first.key} has no fields`);
        return;
      }
      case 'cache': {
        if (first?.kind !== 'key' || !/^[a-z][a-z0-9-]{0,63}$/.test(first.key))
          this.fail(
            'syntax',
            `'${p.text}': write cache.<entityType>.<id>, e.g. cache.project[webhook.projectId].name`,
          );
        if (second === undefined || second.kind === 'index')
          this.fail(
            'syntax',
            `'${p.text}': name the entity's id, e.g. cache.${first.key}[webhook.${first.key}Id]`,
          );
        return;
      }
      case 'actions': {
        if (first === undefined || first.kind === 'dynamic')
          this.fail('syntax', `'${p.text}': write actions.<id>.body or actions[<position>].status`);
        if (second !== undefined && (second.kind !== 'key' || !ACTION_RESULT_FIELDS.includes(second.key)))
          this.fail('syntax', `'${p.text}': an action's result has only .status and .body`);
        if (second?.kind === 'key' && second.key === 'status' && p.segments.length > 2)
          this.fail('syntax', `'${p.text}': .status is a number and has no fields`);
        return;
      }
    }
  }

  filter(): TemplateFilter {
    const m = FILTER_NAME.exec(this.rest());
    if (m === null) this.fail('syntax', "expected a filter name after '|'");
    this.pos += m[0].length;
    const name = m[0];
    if (!(FILTERS as readonly string[]).includes(name))
      this.fail('forbidden', `filter '${name}' is not allowed (use ${FILTERS.join(', ')})`);
    const args: Literal[] = [];
    this.ws();
    if (this.peek() === ':') {
      this.pos++;
      for (;;) {
        this.ws();
        args.push(this.literal());
        this.ws();
        if (this.peek() !== ',') break;
        this.pos++;
        if (args.length >= 4) this.fail('syntax', 'too many filter arguments');
      }
    }
    const f = { name: name as FilterName, args };
    checkFilterArgs(f, (msg) => this.fail('syntax', msg));
    return f;
  }

  literal(): Literal {
    const c = this.peek();
    if (c === "'" || c === '"') return this.quoted();
    const r = this.rest();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const)
      if (r.startsWith(word) && !/[A-Za-z0-9_]/.test(r.charAt(word.length))) {
        this.pos += word.length;
        return value;
      }
    if (r.startsWith('[]')) {
      this.pos += 2;
      return [];
    }
    if (r.startsWith('{}')) {
      this.pos += 2;
      return {};
    }
    const n = NUMBER.exec(r);
    if (n !== null && n[0].length <= 32) {
      this.pos += n[0].length;
      const v = Number(n[0]);
      if (!Number.isFinite(v)) this.fail('syntax', `number ${n[0]} is out of range`);
      return v;
    }
    return this.fail(
      'syntax',
      `expected a literal ('text', a number, true, false, null, [] or {}), found '${r.slice(0, 20)}'`,
    );
  }

  quoted(): string {
    const q = this.peek();
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('syntax', 'unterminated quoted text');
      const c = this.peek();
      if (c === '\\') {
        const n = this.peek(1);
        const esc: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t' };
        if (!Object.hasOwn(esc, n))
          this.fail('syntax', `unsupported escape '\\${n}' (use \\\\, \\', \\", \\n or \\t)`);
        out += esc[n];
        this.pos += 2;
      } else if (c === q) {
        this.pos++;
        return out;
      } else {
        out += c;
        this.pos++;
      }
    }
  }
}

const DATE_PRESETS = ['iso', 'unix', 'unixms'] as const;
const DATE_TOKEN_RUN = /'[^']*'|([A-Za-z])\1*/g;
const DATE_TOKENS = new Set(['yyyy', 'yy', 'MM', 'M', 'dd', 'd', 'HH', 'H', 'mm', 'ss', 'SSS', 'XXX']);

function checkDateFormat(format: string): string | undefined {
  if ((DATE_PRESETS as readonly string[]).includes(format)) return undefined;
  if (format.length > 64) return 'a date format may be at most 64 characters';
  for (const m of format.matchAll(DATE_TOKEN_RUN)) {
    const t = m[0];
    if (t.startsWith("'")) continue;
    if (!DATE_TOKENS.has(t))
      return `unknown date token '${t}' (use iso, unix, unixms or yyyy yy MM M dd d HH H mm ss SSS XXX; quote literal letters)`;
  }
  if ((format.match(/'/g) ?? []).length % 2 === 1) return 'unbalanced quote in date format';
  return undefined;
}

const zoneCache = new Map<string, Intl.DateTimeFormat>();
function zoneFormatter(timeZone: string): Intl.DateTimeFormat | undefined {
  let f = zoneCache.get(timeZone);
  if (f !== undefined) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    return undefined;
  }
  if (zoneCache.size >= 200) zoneCache.clear();
  zoneCache.set(timeZone, f);
  return f;
}

export const isTimeZone = (tz: string): boolean => tz.length <= 64 && zoneFormatter(tz) !== undefined;

function checkFilterArgs(f: TemplateFilter, fail: (m: string) => never): void {
  const n = f.args.length;
  switch (f.name) {
    case 'default':
      if (n !== 1) fail("'default' takes one value, e.g. default: 'n/a'");
      return;
    case 'date': {
      if (n > 2)
        fail("'date' takes at most a format and a time zone, e.g. date: 'yyyy-MM-dd', 'Europe/Berlin'");
      const [format, tz] = f.args;
      if (format !== undefined) {
        if (typeof format !== 'string') fail("the date format must be text, e.g. 'yyyy-MM-dd'");
        const problem = checkDateFormat(format);
        if (problem !== undefined) fail(problem);
      }
      if (tz !== undefined && (typeof tz !== 'string' || !isTimeZone(tz)))
        fail(`unknown time zone ${preview(tz)} (use an IANA name such as 'Europe/Berlin' or 'UTC')`);
      return;
    }
    case 'upper':
    case 'lower':
    case 'trim':
    case 'string':
    case 'number':
    case 'json':
      if (n !== 0) fail(`'${f.name}' takes no argument`);
      return;
  }
}

function collectReferences(expr: TemplateExpression, out: TemplateReference[]): void {
  const hasDefault = expr.filters.some((f) => f.name === 'default');
  const visit = (p: TemplatePath): void => {
    const ref: TemplateReference = { root: p.root, path: p.text, hasDefault };
    const [first, second] = p.segments;
    if (p.root === 'actions' && first !== undefined) {
      if (first.kind === 'key') ref.actionId = first.key;
      if (first.kind === 'index') ref.actionIndex = first.index;
    }
    if (p.root === 'cache' && first?.kind === 'key') {
      ref.entityType = first.key;
      if (second?.kind === 'key') ref.entityId = second.key;
      if (second?.kind === 'dynamic') ref.entityIdPath = second.path;
    }
    out.push(ref);
    for (const s of p.segments) if (s.kind === 'dynamic') visit(s.path);
  };
  if (expr.head.kind === 'path') visit(expr.head.path);
}

const parseCache = new Map<string, TemplateParse>();
const MAX_PARSE_CACHE = 2_000;

/**
 * Parses a template string. Never throws: syntax problems, forbidden roots, keys and filters, and
 * limits come back as a `TemplateError` (its `location` is empty; validators add theirs).
 */
export function parseTemplate(source: string, limits?: Partial<TemplateLimits>): TemplateParse {
  if (typeof source !== 'string')
    return { ok: false, error: new TemplateError('syntax', 'a template must be a string', '', '') };
  const useCache = limits === undefined;
  if (useCache) {
    const hit = parseCache.get(source);
    if (hit !== undefined) return hit;
  }
  const result = parseUncached(source, limitsOf(limits));
  if (useCache) {
    if (parseCache.size >= MAX_PARSE_CACHE) parseCache.clear();
    parseCache.set(source, result);
  }
  return result;
}

function parseUncached(source: string, l: TemplateLimits): TemplateParse {
  const shown = cut(source);
  if (source.length > l.maxTemplateLength)
    return {
      ok: false,
      error: new TemplateError(
        'limit',
        `a template may be at most ${l.maxTemplateLength} characters`,
        '',
        shown,
      ),
    };
  const parts: TemplatePart[] = [];
  const references: TemplateReference[] = [];
  let i = 0;
  let expressions = 0;
  try {
    while (i < source.length) {
      const open = source.indexOf('{{', i);
      if (open === -1) {
        parts.push({ kind: 'text', text: source.slice(i) });
        break;
      }
      if (open > i) parts.push({ kind: 'text', text: source.slice(i, open) });
      const close = findClose(source, open + 2);
      const inner = close === -1 ? source.slice(open + 2) : source.slice(open + 2, close);
      const text = close === -1 ? source.slice(open) : source.slice(open, close + 2);
      const fail = (code: TemplateErrorCode, message: string): never => {
        throw new TemplateError(code, `${cut(text)}: ${message}`, '', shown, cut(text));
      };
      if (close === -1) fail('syntax', "missing '}}'");
      if (++expressions > l.maxExpressions)
        fail('limit', `at most ${l.maxExpressions} expressions per string`);
      if (inner.trim() === '') fail('syntax', 'empty expression');
      const p = new ExpressionParser(inner, fail, l);
      const expression: TemplateExpression = { ...p.expression(), text };
      collectReferences(expression, references);
      parts.push({ kind: 'expression', expression });
      i = close + 2;
    }
  } catch (err) {
    if (isTemplateError(err)) return { ok: false, error: err };
    return { ok: false, error: new TemplateError('syntax', 'the template could not be parsed', '', shown) };
  }
  const single = parts.length === 1 && parts[0]!.kind === 'expression';
  return { ok: true, template: { source, parts, single, references } };
}

/** The `}}` closing an expression that starts at `from`, skipping quoted literals; -1 if none. */
function findClose(s: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '}' && s[i + 1] === '}') return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

type Resolved = { found: true; value: unknown } | { found: false; why: string };

export type RenderOptions = {
  /** Where the value sits, prefixed to every error location (e.g. `actions[1].body`). */
  location?: string;
  /** Default time zone of the `date` filter (IANA name); UTC unless given. */
  timeZone?: string;
  limits?: Partial<TemplateLimits>;
};

type Env = {
  ctx: FlowContext;
  timeZone: string;
  limits: TemplateLimits;
  /** Output characters still allowed. */
  budget: { left: number };
};

class Fault {
  constructor(
    readonly code: TemplateErrorCode,
    readonly message: string,
    readonly path?: string,
  ) {}
}

const describeAt = (p: TemplatePath, upTo: number): string => {
  let s = p.root as string;
  for (const seg of p.segments.slice(0, upTo))
    s += seg.kind === 'key' ? `.${seg.key}` : seg.kind === 'index' ? `[${seg.index}]` : `[${seg.path.text}]`;
  return s;
};

function step(value: unknown, seg: PathSegment, env: Env): Resolved {
  let key: string | number;
  if (seg.kind === 'dynamic') {
    const r = resolvePath(seg.path, env);
    if (!r.found) return { found: false, why: `${seg.path.text} did not resolve (${r.why})` };
    if (typeof r.value === 'string') key = r.value;
    else if (typeof r.value === 'number' && Number.isInteger(r.value)) key = r.value;
    else return { found: false, why: `${seg.path.text} is ${typeName(r.value)}, not a name or an index` };
  } else key = seg.kind === 'key' ? seg.key : seg.index;
  if (Array.isArray(value)) {
    const n = typeof key === 'number' ? key : /^(0|[1-9][0-9]{0,8})$/.test(key) ? Number(key) : undefined;
    if (n === undefined) return { found: false, why: `it is an array; use an index such as [0]` };
    const idx = n < 0 ? value.length + n : n;
    if (idx < 0 || idx >= value.length)
      return { found: false, why: `it has ${value.length} items, no [${n}]` };
    const item = ownValue(value, String(idx));
    return item.found ? item : { found: false, why: `[${n}] is empty` };
  }
  if (isRecord(value)) {
    const k = String(key);
    if (PROTOTYPE_KEYS.has(k)) return { found: false, why: `'${k}' is not allowed` };
    const r = ownValue(value, k);
    return r.found ? r : { found: false, why: `it has no '${k}'` };
  }
  return { found: false, why: `it is ${typeName(value)}, not an object or array` };
}

function resolvePath(p: TemplatePath, env: Env): Resolved {
  const { ctx } = env;
  let value: unknown;
  let start = 0;
  switch (p.root) {
    case 'webhook':
      if (ctx.webhook === undefined) return { found: false, why: 'the event has no body' };
      value = ctx.webhook;
      break;
    case 'event':
    case 'workspace':
    case 'flow':
    case 'execution': {
      const root: unknown = ctx[p.root];
      if (root === undefined) return { found: false, why: `there is no ${p.root} here` };
      value = root;
      break;
    }
    case 'cache': {
      const [typeSeg, idSeg] = p.segments;
      if (typeSeg?.kind !== 'key' || idSeg === undefined) return { found: false, why: 'no entity named' };
      let id: string;
      if (idSeg.kind === 'dynamic') {
        const r = resolvePath(idSeg.path, env);
        if (!r.found) return { found: false, why: `the id ${idSeg.path.text} did not resolve (${r.why})` };
        if (typeof r.value !== 'string' && typeof r.value !== 'number')
          return { found: false, why: `the id ${idSeg.path.text} is ${typeName(r.value)}` };
        id = String(r.value);
      } else id = idSeg.kind === 'key' ? idSeg.key : String(idSeg.index);
      const hit = ctx.cache?.(typeSeg.key, id);
      if (hit === undefined)
        return { found: false, why: `${typeSeg.key} '${id.slice(0, 64)}' is not in the cache` };
      value = hit;
      start = 2;
      break;
    }
    case 'actions': {
      const [sel] = p.segments;
      const done = ctx.actions ?? [];
      const hit =
        sel?.kind === 'key'
          ? done.find((a) => a.id === sel.key)
          : sel?.kind === 'index'
            ? done.find((a) => a.index === sel.index)
            : undefined;
      if (hit === undefined) return { found: false, why: 'that action has not run (or was skipped)' };
      value = { status: hit.status, body: hit.body };
      start = 1;
      break;
    }
  }
  for (let i = start; i < p.segments.length; i++) {
    const r = step(value, p.segments[i]!, env);
    if (!r.found) return { found: false, why: `${describeAt(p, i)}: ${r.why}` };
    value = r.value;
  }
  return { found: true, value };
}

const toText = (v: unknown, filter: string): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Fault('type', `filter '${filter}' expects text, got ${typeName(v)}`);
};

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function applyFilter(f: TemplateFilter, r: Resolved, env: Env): Resolved {
  if (f.name === 'default') return !r.found || r.value === null ? { found: true, value: f.args[0] } : r;
  if (!r.found) return r;
  const v = r.value;
  if (v === null) return f.name === 'json' ? { found: true, value: 'null' } : r;
  switch (f.name) {
    case 'upper':
      return { found: true, value: toText(v, 'upper').toUpperCase() };
    case 'lower':
      return { found: true, value: toText(v, 'lower').toLowerCase() };
    case 'trim':
      return { found: true, value: toText(v, 'trim').trim() };
    case 'string': {
      if (typeof v === 'object') return { found: true, value: jsonText(v, env) };
      return { found: true, value: toText(v, 'string') };
    }
    case 'json':
      return { found: true, value: jsonText(v, env) };
    case 'number': {
      if (typeof v === 'number') return r;
      if (typeof v === 'string' && NUMERIC.test(v)) {
        const n = Number(v);
        if (Number.isFinite(n)) return { found: true, value: n };
      }
      throw new Fault('type', `filter 'number': ${preview(v, 40)} is not a number`);
    }
    case 'date':
      return { found: true, value: formatDate(v, f.args, env) };
  }
}

function jsonText(v: unknown, env: Env): string {
  const s = boundedJson(v, env.budget.left);
  if (s === undefined)
    throw new Fault(
      'limit',
      `the value is larger than the ${env.limits.maxOutputChars}-character output limit`,
    );
  return s;
}

function formatDate(v: unknown, args: readonly Literal[], env: Env): string | number {
  const ms =
    typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' ? parseInstant(v) : undefined;
  if (ms === undefined || Math.abs(ms) > 8.64e15)
    throw new Fault('type', `filter 'date': ${preview(v, 40)} is not an ISO-8601 date or epoch milliseconds`);
  const format = typeof args[0] === 'string' ? args[0] : 'iso';
  const tz = typeof args[1] === 'string' ? args[1] : env.timeZone;
  if (format === 'unix') return Math.floor(ms / 1000);
  if (format === 'unixms') return ms;
  const fmt = zoneFormatter(tz);
  if (fmt === undefined) throw new Fault('type', `unknown time zone '${tz.slice(0, 64)}'`);
  const date = new Date(ms);
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(date)) parts[p.type] = p.value;
  const num = (k: string) => Number(parts[k]);
  const local = Date.UTC(
    num('year'),
    num('month') - 1,
    num('day'),
    num('hour'),
    num('minute'),
    num('second'),
  );
  const offsetMin = Math.round((local - (ms - date.getUTCMilliseconds())) / 60_000);
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const offset =
    offsetMin === 0
      ? 'Z'
      : `${offsetMin < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  const ms3 = pad(date.getUTCMilliseconds(), 3);
  const values: Record<string, string> = {
    yyyy: pad(num('year'), 4),
    yy: pad(num('year') % 100),
    MM: pad(num('month')),
    M: String(num('month')),
    dd: pad(num('day')),
    d: String(num('day')),
    HH: pad(num('hour')),
    H: String(num('hour')),
    mm: pad(num('minute')),
    ss: pad(num('second')),
    SSS: ms3,
    XXX: offset,
  };
  if (format === 'iso')
    return `${values.yyyy}-${values.MM}-${values.dd}T${values.HH}:${values.mm}:${values.ss}.${ms3}${offset}`;
  return format.replace(DATE_TOKEN_RUN, (t) => (t.startsWith("'") ? t.slice(1, -1) : (values[t] ?? t)));
}

function evaluateExpression(expr: TemplateExpression, env: Env): Resolved {
  let r: Resolved =
    expr.head.kind === 'literal' ? { found: true, value: expr.head.value } : resolvePath(expr.head.path, env);
  for (const f of expr.filters) r = applyFilter(f, r, env);
  return r;
}

const missingMessage = (expr: TemplateExpression, why: string): string =>
  `${cut(expr.text)} did not resolve: ${why}; add "| default: …" to allow a missing value`;

/** Charges the output budget for a value (JSON length) and copies data so the caller owns it. */
function charge(value: unknown, env: Env): unknown {
  const n = jsonLength(value, env.budget.left);
  if (n > env.budget.left)
    throw new Fault('limit', `the output is larger than ${env.limits.maxOutputChars} characters`);
  env.budget.left -= n;
  if (typeof value !== 'object' || value === null) return value;
  const c = cloneData(value);
  if (!c.ok) throw new Fault('limit', 'the value nests too deep');
  return c.value;
}

function renderString(source: string, env: Env, location: string): unknown {
  if (!hasTemplate(source)) return charge(source, env);
  const parsed = parseTemplate(source, env.limits === DEFAULT_TEMPLATE_LIMITS ? undefined : env.limits);
  if (!parsed.ok) {
    const e = parsed.error;
    throw new TemplateError(e.code, e.message, location, e.template, e.expression, e.path);
  }
  const t = parsed.template;
  const fail = (f: Fault, expr?: TemplateExpression): never => {
    throw new TemplateError(f.code, f.message, location, cut(source), expr?.text, f.path);
  };
  if (t.single) {
    const expr = (t.parts[0] as { kind: 'expression'; expression: TemplateExpression }).expression;
    let r: Resolved;
    try {
      r = evaluateExpression(expr, env);
      if (!r.found) throw new Fault('unresolved', missingMessage(expr, r.why), pathOf(expr));
      return charge(r.value, env);
    } catch (err) {
      if (err instanceof Fault) return fail(err, expr);
      throw err;
    }
  }
  let out = '';
  for (const part of t.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const expr = part.expression;
    try {
      const r = evaluateExpression(expr, env);
      if (!r.found) throw new Fault('unresolved', missingMessage(expr, r.why), pathOf(expr));
      const v = r.value;
      if (v === null)
        throw new Fault(
          'unresolved',
          `${cut(expr.text)} is null inside text; add "| default: …" to choose what to write`,
          pathOf(expr),
        );
      out += typeof v === 'object' ? jsonText(v, env) : toText(v, 'text');
      if (out.length > env.budget.left)
        throw new Fault('limit', `the output is larger than ${env.limits.maxOutputChars} characters`);
    } catch (err) {
      if (err instanceof Fault) return fail(err, expr);
      throw err;
    }
  }
  env.budget.left -= out.length + 2;
  return out;
}

const pathOf = (expr: TemplateExpression): string | undefined =>
  expr.head.kind === 'path' ? expr.head.path.text : undefined;

const joinLocation = joinPath;

function renderValue(value: unknown, env: Env, location: string, depth: number): unknown {
  if (depth > 32)
    throw new TemplateError('limit', 'the template value nests deeper than 32 levels', location, '');
  if (typeof value === 'string') return renderString(value, env, location);
  if (Array.isArray(value) && value.length > env.budget.left)
    throw new TemplateError(
      'limit',
      `the output is larger than ${env.limits.maxOutputChars} characters`,
      location,
      '',
    );
  if (Array.isArray(value))
    return (value as unknown[]).map((v, i) => renderValue(v, env, joinLocation(location, i), depth + 1));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const at = joinLocation(location, key);
      if (PROTOTYPE_KEYS.has(key))
        throw new TemplateError('forbidden', `key '${key}' is not allowed`, at, '');
      defineData(out, key, renderValue(value[key], env, at, depth + 1));
    }
    env.budget.left -= 2;
    return out;
  }
  if (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol' ||
    typeof value === 'bigint'
  )
    throw new TemplateError('type', `${typeName(value)} is not JSON`, location, '');
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new TemplateError('type', 'a number must be finite', location, '');
  return charge(value, env);
}

export type RenderResult = { ok: true; value: unknown } | { ok: false; error: TemplateError };

/**
 * Renders every string leaf of `value` against the context. Never throws: a template that does not
 * parse or resolve, a type mismatch or the output cap comes back as a `TemplateError` with the
 * location of the string in `value` (prefixed with `options.location`).
 */
export function render(value: unknown, ctx: FlowContext, options: RenderOptions = {}): RenderResult {
  const limits = limitsOf(options.limits);
  const timeZone = options.timeZone ?? 'UTC';
  const env: Env = { ctx, timeZone, limits, budget: { left: limits.maxOutputChars } };
  try {
    if (!isTimeZone(timeZone))
      throw new TemplateError('type', `unknown time zone '${timeZone.slice(0, 64)}'`, '', '');
    return { ok: true, value: renderValue(value, env, options.location ?? '', 0) };
  } catch (err) {
    if (isTemplateError(err)) return { ok: false, error: err };
    if (err instanceof Fault)
      return { ok: false, error: new TemplateError(err.code, err.message, options.location ?? '', '') };
    // Nothing above should throw anything else; a RangeError from a pathological value still must not escape.
    return {
      ok: false,
      error: new TemplateError('limit', 'the value could not be rendered', options.location ?? '', ''),
    };
  }
}

/**
 * Resolves one `{{ … }}` expression string for a condition's left side: `found: false` when the path
 * does not resolve (a condition treats that as "missing", not as an error).
 */
export function resolveTemplateValue(
  source: string,
  ctx: FlowContext,
  options: Omit<RenderOptions, 'location'> = {},
): { ok: true; found: boolean; value?: unknown } | { ok: false; message: string } {
  const parsed = parseTemplate(source, options.limits);
  if (!parsed.ok) return { ok: false, message: parsed.error.message };
  if (!parsed.template.single)
    return { ok: false, message: 'a condition path must be a single {{ … }} expression' };
  const limits = limitsOf(options.limits);
  const env: Env = {
    ctx,
    timeZone: options.timeZone ?? 'UTC',
    limits,
    budget: { left: limits.maxOutputChars },
  };
  const expr = (parsed.template.parts[0] as { kind: 'expression'; expression: TemplateExpression })
    .expression;
  try {
    const r = evaluateExpression(expr, env);
    return r.found ? { ok: true, found: true, value: r.value } : { ok: true, found: false };
  } catch (err) {
    if (err instanceof Fault) return { ok: false, message: err.message };
    return { ok: false, message: 'the expression could not be evaluated' };
  }
}

export type TemplateSite =
  { location: string; template: ParsedTemplate } | { location: string; error: TemplateError };

/** Every template string in a value, parsed, with its location: what save-time validation walks. */
export function listTemplates(
  value: unknown,
  location = '',
  limits?: Partial<TemplateLimits>,
): TemplateSite[] {
  const out: TemplateSite[] = [];
  const walk = (v: unknown, at: string, depth: number): void => {
    if (depth > 32 || out.length > 1_000) return;
    if (typeof v === 'string') {
      if (!hasTemplate(v)) return;
      const p = parseTemplate(v, limits);
      out.push(
        p.ok
          ? { location: at, template: p.template }
          : {
              location: at,
              error: new TemplateError(
                p.error.code,
                p.error.message,
                at,
                p.error.template,
                p.error.expression,
              ),
            },
      );
    } else if (Array.isArray(v)) {
      if (v.length <= 100_000) (v as unknown[]).forEach((x, i) => walk(x, joinLocation(at, i), depth + 1));
    } else if (isRecord(v)) for (const k of Object.keys(v)) walk(v[k], joinLocation(at, k), depth + 1);
  };
  walk(value, location, 0);
  return out;
}

/**
 * The cached entities a value's templates will look up, with dynamic ids resolved against the
 * context (ids that themselves come from the cache are left out). The engine loads these before
 * rendering so the synchronous `cache` lookup can answer.
 */
export function listCacheReferences(value: unknown, ctx: FlowContext): { entityType: string; id: string }[] {
  const seen = new Set<string>();
  const out: { entityType: string; id: string }[] = [];
  const limits = DEFAULT_TEMPLATE_LIMITS;
  const env: Env = {
    ctx: { ...ctx, cache: () => undefined },
    timeZone: 'UTC',
    limits,
    budget: { left: limits.maxOutputChars },
  };
  for (const site of listTemplates(value)) {
    if (!('template' in site)) continue;
    for (const ref of site.template.references) {
      if (ref.root !== 'cache' || ref.entityType === undefined) continue;
      let id = ref.entityId;
      if (id === undefined && ref.entityIdPath !== undefined) {
        const r = resolvePath(ref.entityIdPath, env);
        if (r.found && (typeof r.value === 'string' || typeof r.value === 'number')) id = String(r.value);
      }
      if (id === undefined) continue;
      const key = `${ref.entityType}\u0000${id}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ entityType: ref.entityType, id });
      }
    }
  }
  return out;
}
