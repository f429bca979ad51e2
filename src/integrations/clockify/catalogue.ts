/**
 * The catalogue of Clockify API operations, built from the project's copy of Clockify's OpenAPI spec
 * (openapi/clockify/openapi.json). The client, the API explorer and the fake Clockify all read it.
 *
 * `$ref`s are dereferenced once; the spec's few circular references are left as `{ $ref }` objects so
 * the result stays JSON-serialisable. Shared sub-schemas are shared objects: treat everything as
 * read-only.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  HTTP_METHODS,
  type HttpMethod,
  type PaginationStyle,
  type ServerKind,
  isHeavyOperation,
  paginationStyleOf,
  pathParamNames,
  serverKindOf,
} from './classify-operation.js';
import { dereferenceInternal } from './deref.js';

export type { HttpMethod, PaginationStyle, ServerKind } from './classify-operation.js';

export type JsonSchema = { [key: string]: unknown };

export type OperationParameter = {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema?: JsonSchema;
};

export type ClockifyOperation = {
  operationId: string;
  method: HttpMethod;
  /** Path template relative to the server base, e.g. `/v1/workspaces/{workspaceId}/projects`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters: OperationParameter[];
  /** Names of the `{params}` in `path`, in order. */
  pathParams: string[];
  requestBody?: { required: boolean; contentType: string; schema?: JsonSchema };
  /** Schema of the 2xx response, when the spec declares one. */
  responseSchema?: JsonSchema;
  /** The 2xx status the spec documents (200 when it documents none). */
  successStatus: number;
  server: ServerKind;
  /** The `servers[0].url` the spec gives; informational only (base URLs come from the installation). */
  specServerUrl?: string;
  deprecated: boolean;
  /** GET: no side effects, safe to retry. */
  safe: boolean;
  /** See `isHeavyOperation`. */
  heavy: boolean;
  pagination: PaginationStyle;
  /** Security scheme names the operation accepts (e.g. AddonKeyAuth, ApiKeyAuth). */
  security: string[];
};

export type Catalogue = {
  readonly operations: readonly ClockifyOperation[];
  get(operationId: string): ClockifyOperation | undefined;
};

export const DEFAULT_SPEC_PATH = fileURLToPath(
  new URL('../../../openapi/clockify/openapi.json', import.meta.url),
);

type RawParameter = {
  name?: unknown;
  in?: unknown;
  required?: unknown;
  description?: unknown;
  schema?: unknown;
};
type RawOperation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  parameters?: RawParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
  security?: Record<string, unknown>[];
};
type RawPathItem = { servers?: { url: string }[]; parameters?: RawParameter[] } & Record<string, unknown>;
type RawSpec = { paths: Record<string, RawPathItem> };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function toParameter(p: RawParameter): OperationParameter | undefined {
  if (typeof p.name !== 'string' || (p.in !== 'path' && p.in !== 'query' && p.in !== 'header'))
    return undefined;
  return {
    name: p.name,
    in: p.in,
    required: p.in === 'path' ? true : p.required === true,
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    ...(isObject(p.schema) ? { schema: p.schema } : {}),
  };
}

function pickContent(content: Record<string, { schema?: JsonSchema }> | undefined) {
  if (content === undefined) return undefined;
  const type = 'application/json' in content ? 'application/json' : Object.keys(content)[0];
  return type === undefined ? undefined : { contentType: type, schema: content[type]?.schema };
}

function successResponse(responses: RawOperation['responses']): { status: number; schema?: JsonSchema } {
  const code = Object.keys(responses ?? {}).find((c) => /^2\d\d$/.test(c));
  if (code === undefined) return { status: 200 };
  const schema = pickContent(responses?.[code]?.content)?.schema;
  return { status: Number(code), ...(schema !== undefined ? { schema } : {}) };
}

/** Builds the catalogue from an already dereferenced spec. Pure; exported for tests. */
export function buildCatalogue(spec: RawSpec): Catalogue {
  const operations: ClockifyOperation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    const specServerUrl = item.servers?.[0]?.url;
    const server = serverKindOf(specServerUrl);
    for (const method of HTTP_METHODS) {
      const raw = item[method.toLowerCase()] as RawOperation | undefined;
      if (raw === undefined || typeof raw.operationId !== 'string') continue;
      // Operation-level parameters override path-level ones with the same name and location.
      const byKey = new Map<string, OperationParameter>();
      for (const p of [...(item.parameters ?? []), ...(raw.parameters ?? [])]) {
        const param = toParameter(p);
        if (param !== undefined) byKey.set(`${param.in}:${param.name}`, param);
      }
      const parameters = [...byKey.values()];
      const body = pickContent(raw.requestBody?.content);
      const bodyProps = isObject(body?.schema?.properties) ? Object.keys(body.schema.properties) : [];
      const success = successResponse(raw.responses);
      operations.push({
        operationId: raw.operationId,
        method,
        path,
        summary: raw.summary ?? '',
        ...(raw.description !== undefined ? { description: raw.description } : {}),
        tags: raw.tags ?? [],
        parameters,
        pathParams: pathParamNames(path),
        ...(body !== undefined
          ? {
              requestBody: {
                required: raw.requestBody?.required === true,
                contentType: body.contentType,
                ...(body.schema !== undefined ? { schema: body.schema } : {}),
              },
            }
          : {}),
        ...(success.schema !== undefined ? { responseSchema: success.schema } : {}),
        successStatus: success.status,
        server,
        ...(specServerUrl !== undefined ? { specServerUrl } : {}),
        deprecated: raw.deprecated === true,
        safe: method === 'GET',
        heavy: isHeavyOperation({ method, path, server }),
        pagination: paginationStyleOf(
          parameters.filter((p) => p.in === 'query').map((p) => p.name),
          bodyProps,
        ),
        security: (raw.security ?? []).flatMap((s) => Object.keys(s)),
      });
    }
  }
  const byId = new Map(operations.map((op) => [op.operationId, op]));
  return { operations, get: (id) => byId.get(id) };
}

/** Reads and dereferences a spec file, then builds its catalogue. */
export async function readCatalogue(specPath: string): Promise<Catalogue> {
  const spec = JSON.parse(await readFile(specPath, 'utf8')) as object;
  return buildCatalogue(dereferenceInternal(spec) as RawSpec);
}

// The spec is immutable for the life of the process, so it is parsed once (≈150 ms) and shared. This
// is a cache of constant data, not mutable state.
const cache = new Map<string, Promise<Catalogue>>();

/** The catalogue of the project's Clockify spec, loaded once per process. */
export function loadCatalogue(specPath: string = DEFAULT_SPEC_PATH): Promise<Catalogue> {
  let pending = cache.get(specPath);
  if (pending === undefined) {
    pending = readCatalogue(specPath);
    cache.set(specPath, pending);
    pending.catch(() => cache.delete(specPath));
  }
  return pending;
}
