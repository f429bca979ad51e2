/**
 * An example request for an operation, generated from its schemas, for a form or editor to start
 * from. Only what is required is filled: required path and query parameters, and the body's required
 * properties (recursively). Each value is the first of these that fits its schema:
 * 1. the spec's `example`, then `default`, then the first `enum` value (Clockify's examples are often
 *    of the wrong shape, e.g. a stringified array as an item example, so each is checked);
 * 2. a placeholder by format (`date-time` → the given instant, `date`, `email`, `uri`, …) or by type
 *    (`"string"` padded to `minLength`, the lowest number in range, `false`, one-item arrays).
 * `workspaceId` comes from the installation and a `userId` path parameter is the add-on's user.
 * Schemas go through `fixSpecQuirks` first, like the validator's.
 *
 * Huge schemas are bounded by `maxDepth` (nesting) and `maxValues` (values generated); past them a
 * value is left out, which the sweep test would report if it ever hit a required field.
 */
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import type { QueryValue } from '../../integrations/clockify/clockify.urls.js';
import type { ExplorerContext, ValidInput } from './explorer.types.js';
import { fixSpecQuirks } from './openapi-schema.js';

export type ExampleOptions = {
  /** The instant used for date and date-time placeholders (pass the clock's now). */
  now: Date;
  maxDepth?: number;
  maxValues?: number;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Formats checked when choosing an example; the regexes follow ajv-formats' full mode. */
const FORMAT_CHECKS: Record<string, (s: string) => boolean> = {
  'date-time': (s) =>
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)$/.test(
      s,
    ),
  date: (s) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(s),
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s),
  uri: (s) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s),
  uuid: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s),
};

const INT32 = 2 ** 31;

function typesOf(schema: Record<string, unknown>): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return undefined;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    case 'null':
      return v === null;
    default:
      return true;
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

/**
 * Whether a candidate value satisfies a schema: a deliberately small validator (types, enum, string
 * length/pattern/format, number range, array/object structure) used to pick among candidates. ajv is
 * the judge of the final request; the sweep test checks the two agree on every operation.
 */
export function fitsSchema(schema: unknown, v: unknown, depth = 0): boolean {
  if (!isObject(schema) || depth > 20) return true;
  if (v === null && schema.nullable === true) return true;
  const types = typesOf(schema);
  if (types && !types.some((t) => typeMatches(t, v))) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => sameJson(e, v))) return false;
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const ok =
      key === 'allOf'
        ? branches.every((b) => fitsSchema(b, v, depth + 1))
        : branches.some((b) => fitsSchema(b, v, depth + 1));
    if (!ok) return false;
  }
  if (typeof v === 'string') {
    const length = [...v].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) return false;
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) return false;
    if (typeof schema.pattern === 'string' && safeRegExp(schema.pattern)?.test(v) === false) return false;
    const check = typeof schema.format === 'string' ? FORMAT_CHECKS[schema.format] : undefined;
    if (check && !check(v)) return false;
  }
  if (typeof v === 'number') {
    if (typeof schema.minimum === 'number' && v < schema.minimum) return false;
    if (typeof schema.maximum === 'number' && v > schema.maximum) return false;
    if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) return false;
    if (typeof schema.exclusiveMaximum === 'number' && v >= schema.exclusiveMaximum) return false;
    if (schema.format === 'int32' && (v < -INT32 || v >= INT32)) return false;
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) return false;
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) return false;
    if (schema.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length)
      return false;
    if (!v.every((item) => fitsSchema(schema.items, item, depth + 1))) return false;
  }
  if (isObject(v)) {
    const required = Array.isArray(schema.required) ? schema.required : [];
    if (!required.every((name) => typeof name !== 'string' || name in v)) return false;
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const [name, value] of Object.entries(v)) {
      if (name in props && !fitsSchema(props[name], value, depth + 1)) return false;
    }
  }
  return true;
}

/** `2026-05-07T10:00:00Z`: seconds precision, UTC, the form Clockify's own examples use. */
export const isoInstant = (now: Date) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

function formatPlaceholder(format: unknown, now: Date): string | undefined {
  switch (format) {
    case 'date-time':
      return isoInstant(now);
    case 'date':
      return now.toISOString().slice(0, 10);
    case 'time':
      return now.toISOString().slice(11, 19) + 'Z';
    case 'email':
      return 'user@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'byte':
      return '';
    case 'binary':
      return '';
    default:
      return undefined;
  }
}

/** Placeholders for the patterns the spec uses (only a colour so far); a miss leaves the value out. */
const PATTERN_PLACEHOLDERS = ['#03A9F4'];

function stringPlaceholder(schema: Record<string, unknown>, now: Date): string | undefined {
  const candidates: string[] = [];
  const byFormat = formatPlaceholder(schema.format, now);
  if (byFormat !== undefined) candidates.push(byFormat);
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const word = 'string'.padEnd(Math.max(min, 6), 'x');
  candidates.push(word.slice(0, Math.max(min, Math.min(word.length, max))));
  candidates.push(...PATTERN_PLACEHOLDERS);
  return candidates.find((c) => fitsSchema(schema, c));
}

function numberPlaceholder(schema: Record<string, unknown>, integer: boolean): number {
  let low = typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (typeof schema.exclusiveMinimum === 'number') low = Math.max(low, schema.exclusiveMinimum + 1);
  let value = integer ? Math.ceil(Math.max(low, 1)) : Math.max(low, 1);
  if (typeof schema.minimum === 'number' && schema.minimum > value) value = schema.minimum;
  const high =
    typeof schema.maximum === 'number'
      ? schema.maximum
      : typeof schema.exclusiveMaximum === 'number'
        ? schema.exclusiveMaximum - (integer ? 1 : Number.EPSILON)
        : Infinity;
  return Math.min(value, high);
}

/** Merges `allOf` branches into one object schema (properties and required united). */
function mergeAllOf(schema: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(schema.allOf)) return schema;
  const properties: Record<string, unknown> = isObject(schema.properties) ? { ...schema.properties } : {};
  const required = new Set<string>(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  let type = schema.type;
  for (const branch of schema.allOf) {
    if (!isObject(branch)) continue;
    const merged = mergeAllOf(branch);
    if (isObject(merged.properties)) Object.assign(properties, merged.properties);
    if (Array.isArray(merged.required)) for (const r of merged.required as string[]) required.add(r);
    type ??= merged.type;
  }
  const { allOf: _allOf, ...rest } = schema;
  return { ...rest, type: type ?? 'object', properties, required: [...required] };
}

/** Generates values for one operation; budgets are per generator. */
function makeGenerator(options: ExampleOptions) {
  const maxDepth = options.maxDepth ?? 10;
  let budget = options.maxValues ?? 2_000;

  function value(input: unknown, depth: number): unknown {
    if (!isObject(input) || depth > maxDepth || budget <= 0) return undefined;
    budget -= 1;
    if (typeof input.$ref === 'string') return {};
    const schema = mergeAllOf(input);
    for (const candidate of [schema.example, schema.default, (schema.enum as unknown[] | undefined)?.[0]]) {
      if (candidate !== undefined && fitsSchema(schema, candidate)) return structuredClone(candidate);
    }
    for (const key of ['anyOf', 'oneOf'] as const) {
      const branches = schema[key];
      if (Array.isArray(branches) && branches.length > 0) return value(branches[0], depth + 1);
    }
    const types = typesOf(schema)?.filter((t) => t !== 'null');
    const type =
      types?.[0] ??
      (isObject(schema.properties) ? 'object' : schema.items !== undefined ? 'array' : undefined);
    switch (type ?? '') {
      case 'string':
        return stringPlaceholder(schema, options.now);
      case 'integer':
        return numberPlaceholder(schema, true);
      case 'number':
        return numberPlaceholder(schema, false);
      case 'boolean':
        return false;
      case 'array':
        return arrayValue(schema, depth);
      case 'object':
        return objectValue(schema, depth);
      default:
        return undefined;
    }
  }

  function arrayValue(schema: Record<string, unknown>, depth: number): unknown[] {
    const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 0);
    const items: unknown[] = [];
    const itemSchema = isObject(schema.items) ? schema.items : {};
    const choices = Array.isArray(itemSchema.enum) ? (itemSchema.enum as unknown[]) : undefined;
    for (let i = 0; i < count; i++) {
      const item = choices && i < choices.length ? choices[i] : value(itemSchema, depth + 1);
      if (item === undefined) break;
      items.push(typeof item === 'string' && i > 0 && !choices ? `${item}${i}` : item);
    }
    if (typeof schema.maxItems === 'number') items.length = Math.min(items.length, schema.maxItems);
    return items;
  }

  function objectValue(schema: Record<string, unknown>, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const props = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const name of required) {
      if (typeof name !== 'string') continue;
      const sub = props[name];
      if (isObject(sub) && sub.readOnly === true) continue;
      const v = value(sub ?? {}, depth + 1);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }

  return (schema: unknown) => value(isObject(schema) ? fixSpecQuirks(schema) : schema, 0);
}

/** A value for a path segment: the spec's example when it is usable as one, else `example-<name>`. */
function pathValue(example: unknown, name: string): string {
  if (typeof example === 'string' && /^[A-Za-z0-9_-]+$/.test(example)) return example;
  if (typeof example === 'number' && Number.isFinite(example)) return String(example);
  return `example-${name}`;
}

export function exampleRequest(
  op: Pick<ClockifyOperation, 'pathParams' | 'parameters' | 'requestBody'>,
  context: ExplorerContext,
  options: ExampleOptions,
): ValidInput {
  const generate = makeGenerator(options);
  const pathParams: Record<string, string> = {};
  for (const name of op.pathParams) {
    const param = op.parameters.find((p) => p.in === 'path' && p.name === name);
    if (name === 'workspaceId') pathParams[name] = context.workspaceId;
    else if (name === 'userId' && context.addonUserId) pathParams[name] = context.addonUserId;
    else {
      // The spec's example (a realistic id) or a number; never the generic "string" placeholder.
      const schema = param?.schema ?? {};
      const numeric = typesOf(schema)?.some((t) => t === 'integer' || t === 'number') === true;
      const example =
        schema.example !== undefined && fitsSchema(schema, schema.example) ? schema.example : undefined;
      pathParams[name] = pathValue(example ?? (numeric ? generate(schema) : undefined), name);
    }
  }
  const query: Record<string, QueryValue> = {};
  for (const p of op.parameters) {
    if (p.in !== 'query' || !p.required) continue;
    const v = generate(p.schema ?? { type: 'string' });
    if (v !== undefined) query[p.name] = v as QueryValue;
  }
  const input: ValidInput = { pathParams, query };
  if (op.requestBody !== undefined) {
    const body = op.requestBody.schema !== undefined ? generate(op.requestBody.schema) : undefined;
    input.body = body ?? {};
  }
  return input;
}
