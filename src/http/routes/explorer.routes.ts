import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CALL_OUTCOMES, STATUS_CLASSES } from '../../modules/explorer/explorer.repo.js';
import type { ExplorerService } from '../../modules/explorer/explorer.service.js';
import { SNIPPET_LANGUAGES } from '../../modules/explorer/snippets.js';
import { credentialOf, principalOf } from '../plugins/admin-auth.js';
import { errors } from '../schemas/common.js';

const security = [{ bearer: [] }];
const authErrors = errors(401, 403);
const tags = ['api-explorer'];

const OperationId = z.string().min(1).max(100);
const HistoryId = z.string().min(1).max(64);
const Lang = z.enum(SNIPPET_LANGUAGES as unknown as ['curl', 'fetch', 'python']);

const Flags = z.object({
  safe: z.boolean(),
  write: z.boolean(),
  heavy: z.boolean(),
  deprecated: z.boolean(),
});
const OperationSummary = z
  .looseObject({
    operationId: z.string(),
    method: z.string(),
    path: z.string(),
    summary: z.string(),
    tags: z.array(z.string()),
    server: z.string(),
    pagination: z.string(),
    flags: Flags,
    scope: z.string(),
    scopeRule: z.string(),
    security: z.array(z.string()),
    addonToken: z.boolean(),
  })
  .meta({ id: 'ExplorerOperationSummary' });

const ValidInput = z.object({
  pathParams: z.record(z.string(), z.string()),
  query: z.record(z.string(), z.unknown()),
  body: z.unknown().optional(),
});

const OperationDetail = OperationSummary.extend({
  description: z.string().optional(),
  parameters: z.array(
    z.looseObject({
      name: z.string(),
      in: z.string(),
      required: z.boolean(),
      description: z.string().optional(),
      schema: z.unknown().optional(),
    }),
  ),
  requestBody: z
    .looseObject({ required: z.boolean(), contentType: z.string(), schema: z.unknown().optional() })
    .optional(),
  response: z.looseObject({ status: z.number().int(), schema: z.unknown().optional() }),
  truncated: z.boolean(),
  example: ValidInput,
  blocked: z.string().optional(),
}).meta({ id: 'ExplorerOperationDetail' });

const ListQuery = z.strictObject({
  tag: z.string().max(100).optional(),
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'post', 'put', 'patch', 'delete'])
    .optional(),
  q: z.string().max(200).optional(),
  safe: z.enum(['true', 'false']).optional(),
  group: z.enum(['tag']).optional(),
});

const ExecuteBody = z
  .strictObject({
    operationId: OperationId,
    pathParams: z.record(z.string(), z.unknown()).optional(),
    query: z.record(z.string(), z.unknown()).optional(),
    body: z.unknown().optional(),
    confirm: z.string().max(2_000).nullable().optional(),
  })
  .meta({ id: 'ExplorerExecuteRequest' });

const ExecuteResult = z
  .object({
    id: z.string(),
    operationId: z.string(),
    ok: z.boolean(),
    status: z.number().int().nullable(),
    outcome: z.enum(['success', 'http-error', 'timeout', 'network', 'too-large']),
    latencyMs: z.number(),
    waitedMs: z.number(),
    headers: z.record(z.string(), z.string()),
    body: z.unknown(),
    bodyKind: z.enum(['json', 'text', 'binary', 'empty']),
    bodyBytes: z.number().int(),
    truncated: z.boolean(),
    retryAfterS: z.number().optional(),
    explanation: z.string(),
    request: z.object({
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      query: z.record(z.string(), z.unknown()),
      body: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ExplorerExecuteResult' });

const Who = z.object({
  kind: z.enum(['user-token', 'api-key']),
  id: z.string().nullable(),
  name: z.string().nullable(),
});
const HistorySummary = z
  .object({
    id: z.string(),
    createdAt: z.iso.datetime(),
    who: Who,
    operationId: z.string(),
    method: z.string(),
    path: z.string(),
    outcome: z.enum(CALL_OUTCOMES as unknown as ['sent', 'refused-write', 'network-error', 'timeout']),
    status: z.number().int().nullable(),
    latencyMs: z.number().int(),
    waitedMs: z.number().int(),
  })
  .meta({ id: 'ExplorerHistorySummary' });
const HistoryDetail = HistorySummary.extend({
  input: ValidInput,
  inputRedacted: z.boolean(),
  request: z.unknown(),
  result: z.unknown(),
}).meta({ id: 'ExplorerHistoryDetail' });

const HistoryQuery = z.strictObject({
  operation: OperationId.optional(),
  status: z.enum(STATUS_CLASSES as unknown as ['2xx', '3xx', '4xx', '5xx', 'none']).optional(),
  outcome: z
    .enum(CALL_OUTCOMES as unknown as ['sent', 'refused-write', 'network-error', 'timeout'])
    .optional(),
  who: z.string().min(1).max(100).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const Snippet = z.object({ lang: Lang, code: z.string() }).meta({ id: 'ExplorerSnippet' });
const FlowAction = z
  .object({
    type: z.literal('clockify'),
    operationId: z.string(),
    pathParams: z.record(z.string(), z.string()),
    query: z.record(z.string(), z.unknown()),
    body: z.unknown().optional(),
  })
  .meta({ id: 'ExplorerFlowAction' });

/** The API explorer (docs/api-explorer.md). Mounted under /ui. */
export const explorerRoutes: FastifyPluginAsyncZod<{ explorer: ExplorerService }> = async (
  app,
  { explorer },
) => {
  app.get(
    '/api-explorer/operations',
    {
      schema: {
        operationId: 'listExplorerOperations',
        tags,
        summary:
          'Every Clockify operation of the catalogue, sorted by tag, path and method; filters tag, method, q (free text), safe; group=tag adds the grouping',
        security,
        querystring: ListQuery,
        response: {
          200: z.object({
            total: z.number().int(),
            items: z.array(OperationSummary),
            tags: z.array(z.object({ tag: z.string(), count: z.number().int() })),
            groups: z.array(z.object({ tag: z.string(), operationIds: z.array(z.string()) })).optional(),
          }),
          ...authErrors,
          ...errors(400),
        },
      },
    },
    async (req) => {
      const { tag, method, q, safe, group } = req.query;
      return explorer.list(
        {
          ...(tag !== undefined ? { tag } : {}),
          ...(method !== undefined ? { method } : {}),
          ...(q !== undefined ? { q } : {}),
          ...(safe !== undefined ? { safe: safe === 'true' } : {}),
        },
        group,
      );
    },
  );

  app.get(
    '/api-explorer/operations/:operationId',
    {
      schema: {
        operationId: 'getExplorerOperation',
        tags,
        summary:
          'One operation in full: parameters, request and response schemas, and an example request with this workspace filled in',
        security,
        params: z.object({ operationId: OperationId }),
        response: { 200: OperationDetail, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => explorer.describe(principalOf(req).workspaceId, req.params.operationId),
  );

  app.post(
    '/api-explorer/execute',
    {
      schema: {
        operationId: 'executeExplorerOperation',
        tags,
        summary:
          'Validate and send one operation for this workspace. Clockify\'s answer (also 4xx/5xx/429, network errors, timeouts) is the result; writes need the explorer_allow_writes setting, a write credential and confirm = "<METHOD> <path>"',
        security,
        body: ExecuteBody,
        response: { 200: ExecuteResult, ...authErrors, ...errors(400, 404, 413, 422) },
      },
    },
    async (req) => explorer.execute(principalOf(req), req.body, credentialOf(req)),
  );

  app.post(
    '/api-explorer/snippet',
    {
      schema: {
        operationId: 'explorerSnippet',
        tags,
        summary:
          'An unsent request (the execute body) as curl, fetch or Python code; validated, never sent. The token is $CLOCKIFY_ADDON_TOKEN',
        security,
        querystring: z.strictObject({ lang: Lang.default('curl') }),
        body: ExecuteBody,
        response: { 200: Snippet, ...authErrors, ...errors(400, 404, 413, 422) },
      },
    },
    async (req) => explorer.snippet(principalOf(req).workspaceId, req.body, req.query.lang),
  );

  app.get(
    '/api-explorer/history',
    {
      schema: {
        operationId: 'listExplorerHistory',
        tags,
        summary:
          'API explorer calls of this workspace, newest first (cursor pagination); filters operation, status class, outcome, who',
        security,
        querystring: HistoryQuery,
        response: {
          200: z.object({ items: z.array(HistorySummary), nextCursor: z.string().nullable() }),
          ...authErrors,
          ...errors(400),
        },
      },
    },
    async (req) => {
      const { operation, status, outcome, who, cursor, limit } = req.query;
      return explorer.history(principalOf(req).workspaceId, {
        limit,
        ...(operation !== undefined ? { operationId: operation } : {}),
        ...(status !== undefined ? { statusClass: status } : {}),
        ...(outcome !== undefined ? { outcome } : {}),
        ...(who !== undefined ? { who } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
    },
  );

  const IdParams = z.object({ id: HistoryId });

  app.get(
    '/api-explorer/history/:id',
    {
      schema: {
        operationId: 'getExplorerHistoryEntry',
        tags,
        summary: 'One API explorer call: inputs (secrets redacted), request, and the result as returned',
        security,
        params: IdParams,
        response: { 200: HistoryDetail, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => explorer.historyEntry(principalOf(req).workspaceId, req.params.id),
  );

  app.post(
    '/api-explorer/history/:id/rerun',
    {
      schema: {
        operationId: 'rerunExplorerCall',
        tags,
        summary:
          'Send a stored call again with the same inputs and the same rules (a write needs confirm again)',
        security,
        params: IdParams,
        body: z.strictObject({ confirm: z.string().max(2_000).nullable().optional() }).nullish(),
        response: { 200: ExecuteResult, ...authErrors, ...errors(400, 404, 422) },
      },
    },
    async (req) =>
      explorer.rerun(principalOf(req), req.params.id, req.body?.confirm ?? null, credentialOf(req)),
  );

  app.get(
    '/api-explorer/history/:id/snippet',
    {
      schema: {
        operationId: 'explorerHistorySnippet',
        tags,
        summary: 'A stored call as curl, fetch or Python code (the token is $CLOCKIFY_ADDON_TOKEN)',
        security,
        params: IdParams,
        querystring: z.strictObject({ lang: Lang.default('curl') }),
        response: { 200: Snippet, ...authErrors, ...errors(400, 404, 422) },
      },
    },
    async (req) => explorer.historySnippet(principalOf(req).workspaceId, req.params.id, req.query.lang),
  );

  app.get(
    '/api-explorer/history/:id/as-flow-action',
    {
      schema: {
        operationId: 'explorerCallAsFlowAction',
        tags,
        summary: 'A stored call as a flow action definition (operationId with literal params and body)',
        security,
        params: IdParams,
        response: { 200: FlowAction, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => explorer.asFlowAction(principalOf(req).workspaceId, req.params.id),
  );
};
