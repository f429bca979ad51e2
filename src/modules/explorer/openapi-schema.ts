/**
 * OpenAPI 3.0 schema objects → plain JSON Schema that ajv (draft-07 mode) reads, and a size/depth cap
 * for showing huge schemas. Pure; inputs are never mutated (the catalogue's schemas are shared).
 *
 * OpenAPI 3.0 is "an extended subset" of JSON Schema draft-05-ish. The differences handled here:
 * - `nullable: true` → the type (and enum) also admit `null`;
 * - `example`, `xml`, `externalDocs`, `discriminator`, `deprecated` and `x-*` keywords are dropped
 *   (annotations only; ajv strict mode would reject them as unknown keywords);
 * - `readOnly` properties are removed from `required` (OpenAPI: "only sent in responses") and
 *   `writeOnly` ones in responses (not used for validation here, kept for completeness);
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` (draft-04 style) → the numeric draft-06+ form;
 * - `oneOf` → `anyOf`: Clockify's `oneOf` branches are not written to be mutually exclusive, and this
 *   is a pre-flight check (Clockify decides); `anyOf` avoids rejecting a value two branches accept;
 * - a `type` array (not OpenAPI 3.0, but seen in the wild) is kept; ajv runs with `allowUnionTypes`;
 * - formats outside `KNOWN_FORMATS` are dropped rather than failing compilation;
 * - a leftover `$ref` (the catalogue leaves circular references as `{ $ref }` markers) becomes `{}`
 *   (anything), so compiling never fails on an unresolvable reference.
 */
import type { JsonSchema } from '../../integrations/clockify/catalogue.js';

/** Formats ajv-formats validates (plus OpenAPI's int32/int64/float/double/byte/binary/password). */
export const KNOWN_FORMATS: ReadonlySet<string> = new Set([
  'date',
  'time',
  'date-time',
  'duration',
  'uri',
  'uri-reference',
  'url',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
  'regex',
  'byte',
  'int32',
  'int64',
  'float',
  'double',
  'password',
  'binary',
]);

const DROPPED = new Set(['example', 'examples', 'xml', 'externalDocs', 'discriminator', 'deprecated']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_VALUES = new Set(['items', 'additionalProperties', 'not', 'contains', 'propertyNames']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export type ConvertOptions = { direction: 'request' | 'response' };

/**
 * Converts one schema tree. Shared sub-schemas are converted once (memoised per call), which keeps
 * the output the same size as the input; a cycle in the object graph (not expected after the
 * catalogue's dereferencing) is cut to `{}`.
 */
export function toJsonSchema(
  schema: JsonSchema,
  options: ConvertOptions = { direction: 'request' },
): JsonSchema {
  const done = new WeakMap<object, JsonSchema>();
  const active = new WeakSet<object>();
  const hidden = options.direction === 'request' ? 'readOnly' : 'writeOnly';

  function convert(node: unknown): unknown {
    if (typeof node === 'boolean') return node;
    if (!isObject(node)) return {};
    const cached = done.get(node);
    if (cached !== undefined) return cached;
    if (active.has(node) || typeof node.$ref === 'string') return {};
    active.add(node);
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED.has(key) || key.startsWith('x-') || key === 'nullable') continue;
      if (SCHEMA_MAPS.has(key) && isObject(value)) {
        const props: Record<string, unknown> = {};
        for (const [name, sub] of Object.entries(value)) {
          if (key === 'properties' && isObject(sub) && sub[hidden] === true) continue;
          props[name] = convert(sub);
        }
        out[key] = props;
      } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
        out[key === 'oneOf' ? 'anyOf' : key] = value.map(convert);
      } else if (SCHEMA_VALUES.has(key) && (isObject(value) || typeof value === 'boolean')) {
        out[key] = convert(value);
      } else if (key === 'format') {
        if (typeof value === 'string' && KNOWN_FORMATS.has(value)) out.format = value;
      } else if (key === 'readOnly' || key === 'writeOnly') {
        continue;
      } else {
        out[key] = value;
      }
    }
    fixExclusiveBounds(node, out);
    if (Array.isArray(out.required) && isObject(node.properties)) {
      const props = node.properties;
      out.required = out.required.filter(
        (name): name is string =>
          typeof name === 'string' && !(isObject(props[name]) && props[name][hidden] === true),
      );
      if ((out.required as string[]).length === 0) delete out.required;
    }
    const result = node.nullable === true ? admitNull(out) : out;
    active.delete(node);
    done.set(node, result);
    return result;
  }

  return convert(schema) as JsonSchema;
}

function fixExclusiveBounds(node: Record<string, unknown>, out: JsonSchema): void {
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof node[flag] !== 'boolean') continue;
    if (node[flag] === true && typeof node[bound] === 'number') {
      out[flag] = node[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
}

/** `nullable: true`: the same schema, also admitting null. */
function admitNull(schema: JsonSchema): JsonSchema {
  const out = { ...schema };
  const type = out.type;
  // With composition keywords the branches would still refuse null: wrap instead.
  if (out.anyOf !== undefined || out.allOf !== undefined) return { anyOf: [schema, { type: 'null' }] };
  if (typeof type === 'string') out.type = [type, 'null'];
  else if (Array.isArray(type)) out.type = type.includes('null') ? type : [...(type as unknown[]), 'null'];
  else return { anyOf: [schema, { type: 'null' }] };
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  return out;
}

/**
 * Fixes three ways Clockify's spec (generated from Java by springdoc) misdescribes what its API takes,
 * each of which would make the explorer refuse a valid request:
 * 1. a bare `type: object` (no properties, no composition) is Java `Object`: any JSON value (custom
 *    field values: `"Manila"`, `2000`, lists). → the type is dropped;
 * 2. `type: object` with `oneOf`/`anyOf` branches that are all non-objects is a Java enum rendered as
 *    an object (invoice `taxType`: `"SIMPLE"`). → the branches decide; type and properties dropped;
 * 3. an object whose only property is `dateOfCreationFromObjectId` is a MongoDB ObjectId, sent as its
 *    24-hex string (`updateInvoicedStatus.timeEntryIds`). → `type: string`.
 * Everything else (examples, descriptions) is kept, so the example generator and the validator work on
 * the same fixed schema. Memoised per call; the input is not mutated.
 */
export function fixSpecQuirks(schema: JsonSchema): JsonSchema {
  const done = new WeakMap<object, unknown>();

  function fix(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(fix);
    if (!isObject(node)) return node;
    const cached = done.get(node);
    if (cached !== undefined) return cached;
    done.set(node, node); // a cycle sees the original; the catalogue has none
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] =
        SCHEMA_MAPS.has(key) && isObject(value)
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fix(v)]))
          : SCHEMA_LISTS.has(key) || SCHEMA_VALUES.has(key)
            ? fix(value)
            : value;
    }
    const result = fixNode(out);
    done.set(node, result);
    return result;
  }

  return fix(schema) as JsonSchema;
}

function fixNode(node: Record<string, unknown>): Record<string, unknown> {
  if (node.type !== 'object') return node;
  const branches = [node.oneOf, node.anyOf].find(Array.isArray) as unknown[] | undefined;
  const props = isObject(node.properties) ? Object.keys(node.properties) : [];
  if (branches !== undefined) {
    const allScalar = branches.every((b) => isObject(b) && typeof b.type === 'string' && b.type !== 'object');
    if (!allScalar) return node;
    const { type: _type, properties: _properties, ...rest } = node;
    return rest;
  }
  if (props.length === 1 && props[0] === 'dateOfCreationFromObjectId') {
    const { properties: _properties, ...rest } = node;
    return { ...rest, type: 'string' };
  }
  const bare =
    props.length === 0 &&
    node.additionalProperties === undefined &&
    node.required === undefined &&
    node.allOf === undefined;
  if (bare) {
    const { type: _type, properties: _properties, ...rest } = node;
    return rest;
  }
  return node;
}

export type SchemaCaps = { maxDepth: number; maxNodes: number };

/** Every schema of the 2026-05 spec fits whole (the sweep checks request bodies); a guard for a bigger one. */
export const DEFAULT_SCHEMA_CAPS: SchemaCaps = { maxDepth: 12, maxNodes: 4_000 };

/**
 * A copy of a schema for display, cut at `maxDepth` nesting levels and after `maxNodes` sub-schemas
 * (breadth-first would be fairer, depth-first is simpler and keeps sibling order). A cut sub-schema
 * becomes `{ type?, description?, 'x-truncated': true }`; a circular `$ref` marker is kept as it is.
 * `truncated` tells whether anything was cut.
 */
export function capSchema(
  schema: JsonSchema,
  caps: SchemaCaps = DEFAULT_SCHEMA_CAPS,
): { schema: JsonSchema; truncated: boolean } {
  let nodes = 0;
  let truncated = false;

  function stub(node: Record<string, unknown>): JsonSchema {
    truncated = true;
    return {
      ...(node.type !== undefined ? { type: node.type } : {}),
      ...(typeof node.description === 'string' ? { description: node.description } : {}),
      'x-truncated': true,
    };
  }

  function copy(node: unknown, depth: number, path: Set<object>): unknown {
    if (!isObject(node)) return node;
    if (path.has(node)) return { 'x-circular': true };
    nodes += 1;
    if (depth > caps.maxDepth || nodes > caps.maxNodes) return stub(node);
    path.add(node);
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (SCHEMA_MAPS.has(key) && isObject(value)) {
        out[key] = Object.fromEntries(
          Object.entries(value).map(([name, sub]) => [name, copy(sub, depth + 1, path)]),
        );
      } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
        out[key] = value.map((sub) => copy(sub, depth + 1, path));
      } else if (SCHEMA_VALUES.has(key) && isObject(value)) {
        out[key] = copy(value, depth + 1, path);
      } else {
        out[key] = value;
      }
    }
    path.delete(node);
    return out;
  }

  const result = copy(schema, 0, new Set()) as JsonSchema;
  return { schema: result, truncated };
}
