/**
 * Validates an explorer input against its operation before anything is sent: path parameters, query
 * and body, every problem listed by location (`query.page-size: must be <= 5000`, `body.name:
 * required`, `pathParams.projectId: required`), ready for a 422.
 *
 * Rules beyond the spec's schemas:
 * - `workspaceId` is the installation's: filled in when absent, an issue when it differs (also on an
 *   operation without a workspace in its path, where the installation's own id is ignored);
 * - a path value must stay inside its segment: no `/`, `\`, `?`, `#`, percent-escapes, `.`/`..`,
 *   whitespace or control characters, not empty, at most 200 characters (Clockify ids are 24 hex
 *   characters; the URL builder encodes anyway, this refuses the attempt instead of sending it);
 * - unknown path or query parameters are refused: Clockify ignores an unknown query parameter, so a
 *   misspelt filter (`pagesize`) would silently return unfiltered data, which is what the explorer
 *   exists to catch; a parameter missing from our copy of the spec needs the spec updated;
 * - a body on an operation that takes none is refused; a missing required body is an issue.
 *
 * ajv, configured for OpenAPI 3.0 schemas (see openapi-schema.ts for the conversion and for the three
 * Clockify spec quirks fixed first):
 * - compiled lazily, once per operation, cached per validator instance (compiling all 166 operations
 *   takes seconds; a process usually touches a few);
 * - two instances: path/query with `coerceTypes: 'array'` (URL values are strings: `"50"` → 50,
 *   `"true"` → true, a single value → a one-item array), body without coercion (JSON has types);
 * - `strict: false` (the spec puts `maximum` on strings and `additionalProperties` on a string),
 *   `allErrors: true` (every bad field, capped at `maxIssues`), `allowUnionTypes`, formats from
 *   ajv-formats in full mode (date-time needs a time zone) plus OpenAPI's int32/int64/double/byte/binary,
 *   `useDefaults: false` (Clockify applies its own defaults; we send what the caller gave).
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { ClockifyOperation, JsonSchema } from '../../integrations/clockify/catalogue.js';
import type { QueryValue } from '../../integrations/clockify/clockify.urls.js';
import type { ExplorerContext, ExplorerInput, InputIssue, ValidInput } from './explorer.types.js';
import { fixSpecQuirks, toJsonSchema } from './openapi-schema.js';

// ajv-formats is CommonJS; its plugin is also exported as `default`.
const addFormats = formatsModule.default;

export type ValidationResult = { ok: true; value: ValidInput } | { ok: false; issues: InputIssue[] };

export type InputValidator = {
  validate(op: ClockifyOperation, input: ExplorerInput, context: ExplorerContext): ValidationResult;
  /** How many operations have been compiled so far (compilation is lazy). */
  compiledCount(): number;
};

export type ValidatorOptions = { maxIssues?: number };

export const MAX_PATH_SEGMENT_LENGTH = 200;

/** `pathParams.projectId: required`: the form a 422's `details.issues` and a message use. */
export const formatIssue = (issue: InputIssue) => `${issue.path}: ${issue.message}`;

/** Why a value cannot be one path segment, or undefined when it can. */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  if (value.length > MAX_PATH_SEGMENT_LENGTH) return `must be at most ${MAX_PATH_SEGMENT_LENGTH} characters`;
  if (value === '.' || value.includes('..')) return "must not contain '..' or be '.'";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return 'must not contain control characters';
  if (/\s/.test(value)) return 'must not contain whitespace';
  const bad = /[/\\?#]/.exec(value);
  if (bad) return `must not contain '${bad[0]}'`;
  if (/%[0-9a-fA-F]{2}/.test(value)) return 'must not contain percent-encoded characters';
  return undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isQueryScalar = (v: unknown) =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

type Compiled = { params: ValidateFunction; body?: ValidateFunction };

function paramsSchema(op: ClockifyOperation): JsonSchema {
  const group = (location: 'path' | 'query') => {
    const params = op.parameters.filter((p) => p.in === location);
    return {
      type: 'object',
      properties: Object.fromEntries(
        params.map((p) => [p.name, toJsonSchema(fixSpecQuirks(p.schema ?? {}))]),
      ),
      required: params.filter((p) => p.required).map((p) => p.name),
    };
  };
  return { type: 'object', properties: { pathParams: group('path'), query: group('query') } };
}

/** Unescapes a JSON Pointer segment. */
const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** `body` + `/items/0/name` → `body.items[0].name`, walking the data to tell indexes from keys. */
function bodyPath(pointer: string, data: unknown): string {
  let out = 'body';
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = unescapePointer(raw);
    if (Array.isArray(node) && /^\d+$/.test(key)) out += `[${key}]`;
    else out += /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    node =
      (isPlainObject(node) || Array.isArray(node)) && Object.hasOwn(node, key)
        ? (node as Record<string, unknown>)[key]
        : undefined;
  }
  return out;
}

function describeError(e: ErrorObject): { suffix?: string; message: string } {
  switch (e.keyword) {
    case 'required':
      return {
        suffix: String((e.params as { missingProperty: string }).missingProperty),
        message: 'required',
      };
    case 'additionalProperties':
      return {
        suffix: String((e.params as { additionalProperty: string }).additionalProperty),
        message: 'unknown property',
      };
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const shown = allowed.slice(0, 20).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      return { message: `must be one of: ${shown.join(', ')}${allowed.length > 20 ? ', …' : ''}` };
    }
    default:
      return { message: e.message ?? `fails ${e.keyword}` };
  }
}

/**
 * ajv reports a failed `anyOf` twice: each branch's errors, then "must match a schema in anyOf". The
 * branch errors say what is wrong (`must be one of: …`); the umbrella is dropped when they exist.
 */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter(
    (e) =>
      e.keyword !== 'anyOf' ||
      !errors.some((o) => o !== e && o.keyword !== 'anyOf' && o.instancePath.startsWith(e.instancePath)),
  );
}

export function createInputValidator(options: ValidatorOptions = {}): InputValidator {
  const maxIssues = options.maxIssues ?? 100;
  const base: Options = {
    strict: false,
    allErrors: true,
    allowUnionTypes: true,
    useDefaults: false,
    logger: false,
  };
  const paramsAjv = new Ajv({ ...base, coerceTypes: 'array' });
  const bodyAjv = new Ajv({ ...base, coerceTypes: false });
  addFormats(paramsAjv, { mode: 'full' });
  addFormats(bodyAjv, { mode: 'full' });

  const compiled = new WeakMap<ClockifyOperation, Compiled>();
  let count = 0;

  function compile(op: ClockifyOperation): Compiled {
    let c = compiled.get(op);
    if (c === undefined) {
      const schema = op.requestBody?.schema;
      c = {
        params: paramsAjv.compile(paramsSchema(op)),
        ...(schema !== undefined ? { body: bodyAjv.compile(toJsonSchema(fixSpecQuirks(schema))) } : {}),
      };
      compiled.set(op, c);
      count += 1;
    }
    return c;
  }

  function validate(op: ClockifyOperation, input: ExplorerInput, context: ExplorerContext): ValidationResult {
    const issues: InputIssue[] = [];
    const add = (path: string, message: string) => {
      if (!issues.some((i) => i.path === path && i.message === message)) issues.push({ path, message });
    };
    if (!isPlainObject(input))
      return { ok: false, issues: [{ path: 'input', message: 'must be an object' }] };

    // Path parameters: strings, one segment each, workspace pinned to the installation.
    const rawPath = input.pathParams ?? {};
    const pathParams: Record<string, string> = {};
    if (!isPlainObject(rawPath)) add('pathParams', 'must be an object');
    else {
      for (const name of Object.keys(rawPath)) {
        if (op.pathParams.includes(name) || rawPath[name] === undefined || rawPath[name] === null) continue;
        // A client may send the workspace with every call; only a foreign one is a problem.
        if (name === 'workspaceId') {
          if (rawPath[name] !== context.workspaceId)
            add(`pathParams.${name}`, "must be this installation's workspace");
        } else add(`pathParams.${name}`, 'unknown parameter');
      }
      for (const name of op.pathParams) {
        let value = rawPath[name];
        if (name === 'workspaceId') {
          if (value === undefined || value === null) value = context.workspaceId;
          else if (value !== context.workspaceId) {
            add(`pathParams.${name}`, "must be this installation's workspace");
            continue;
          }
        }
        if (value === undefined || value === null) add(`pathParams.${name}`, 'required');
        else if (typeof value === 'number' && Number.isFinite(value)) pathParams[name] = String(value);
        else if (typeof value !== 'string') add(`pathParams.${name}`, 'must be a string');
        else {
          const problem = pathSegmentProblem(value);
          if (problem !== undefined) add(`pathParams.${name}`, problem);
          else pathParams[name] = value;
        }
      }
    }

    // Query: known names only; scalars or arrays of scalars; null/undefined mean "not given".
    const rawQuery = input.query ?? {};
    const query: Record<string, unknown> = {};
    if (!isPlainObject(rawQuery)) add('query', 'must be an object');
    else {
      const known = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
      for (const [name, value] of Object.entries(rawQuery)) {
        if (value === undefined || value === null) continue;
        if (!known.has(name)) add(`query.${name}`, 'unknown parameter');
        else if (isQueryScalar(value) || (Array.isArray(value) && value.every(isQueryScalar)))
          query[name] = Array.isArray(value) ? [...(value as unknown[])] : value;
        else add(`query.${name}`, 'must be a string, number, boolean or a list of them');
      }
    }

    const c = compile(op);
    // ajv coerces in place: validate copies, keep the coerced query, keep path values as strings.
    const coerced = { pathParams: { ...pathParams }, query };
    if (!c.params(coerced)) {
      const refused = new Set(issues.map((i) => i.path));
      for (const e of relevantErrors(c.params.errors ?? [])) {
        const [location, name] = e.instancePath.split('/').slice(1).map(unescapePointer);
        const { suffix, message } = describeError(e);
        const path = [location, name ?? suffix].filter((s) => s !== undefined).join('.');
        // A value refused above (bad segment, wrong kind) is absent here: ajv would add "required".
        if (!refused.has(path)) add(path, message);
      }
    }

    // Body.
    const body = input.body;
    if (op.requestBody === undefined) {
      if (body !== undefined) add('body', 'this operation takes no request body');
    } else if (body === undefined || body === null) {
      if (op.requestBody.required) add('body', 'required');
    } else if (c.body !== undefined && !c.body(body)) {
      for (const e of relevantErrors(c.body.errors ?? [])) {
        const { suffix, message } = describeError(e);
        const pointer = suffix === undefined ? e.instancePath : `${e.instancePath}/${suffix}`;
        add(bodyPath(pointer, body), message);
      }
    }

    if (issues.length > 0) {
      const shown = issues.slice(0, maxIssues);
      if (issues.length > maxIssues)
        shown.push({ path: 'input', message: `${issues.length - maxIssues} more issue(s) not shown` });
      return { ok: false, issues: shown };
    }
    const value: ValidInput = {
      pathParams,
      query: coerced.query as Record<string, QueryValue>,
    };
    if (body !== undefined && body !== null) value.body = body;
    return { ok: true, value };
  }

  return { validate, compiledCount: () => count };
}
