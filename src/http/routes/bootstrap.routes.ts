import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BootstrapService } from '../../modules/bootstrap/bootstrap.service.js';
import type { CacheService } from '../../modules/cache/cache.service.js';
import { FlowStats } from '../../modules/flows/flows.schemas.js';
import { principalOf } from '../plugins/admin-auth.js';
import { errors } from '../schemas/common.js';

const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

const BootstrapRunView = z
  .object({
    id: z.string(),
    status: RunStatus,
    trigger: z.string(),
    ratePerSecond: z.number().int(),
    pageSize: z.number().int(),
    operations: z.object({ total: z.number().int(), done: z.number().int() }),
    pages: z.number().int(),
    entities: z.number().int(),
    errors: z.number().int(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    estimatedSecondsLeft: z.number().int(),
    lastError: z.string().nullable(),
    summary: z.array(
      z.object({
        operationId: z.string(),
        entityType: z.string(),
        lists: z.number().int(),
        pending: z.number().int(),
        running: z.number().int(),
        done: z.number().int(),
        skipped: z.number().int(),
        failed: z.number().int(),
        pages: z.number().int(),
        entities: z.number().int(),
      }),
    ),
    failures: z.array(
      z.object({ operationId: z.string(), params: z.string(), status: z.string(), reason: z.string() }),
    ),
    excluded: z.array(z.object({ operationId: z.string(), reason: z.string() })),
  })
  .meta({ id: 'BootstrapRun' });

const BootstrapStatus = z.object({ run: BootstrapRunView.nullable() }).meta({ id: 'BootstrapStatus' });

const CachedEntityView = z
  .object({ id: z.string(), data: z.unknown(), fetchedAt: z.iso.datetime(), updatedAt: z.iso.datetime() })
  .meta({ id: 'CachedEntity' });

const security = [{ bearer: [] }];
const authErrors = errors(401, 403);

/** Bootstrap status and trigger, cache reads and the dashboard. Mounted under /ui. */
export const bootstrapRoutes: FastifyPluginAsyncZod<{
  bootstrap: BootstrapService;
  cache: CacheService;
  /** Flow stats for the dashboard (executions by status, last 24 h, recent activity). */
  flowStats: (workspaceId: string) => Promise<z.infer<typeof FlowStats>>;
}> = async (app, { bootstrap, cache, flowStats }) => {
  app.get(
    '/bootstrap',
    {
      schema: {
        operationId: 'getBootstrap',
        tags: ['admin'],
        summary: 'The latest bootstrap run: status, progress, per-operation summary',
        security,
        response: { 200: BootstrapStatus, ...authErrors, ...errors(404) },
      },
    },
    async (req) => bootstrap.status(principalOf(req).workspaceId),
  );

  app.post(
    '/bootstrap/trigger',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'triggerBootstrap',
        tags: ['admin'],
        summary: 'Start a bootstrap run (409 with the running run’s id when one is in progress)',
        security,
        response: { 202: z.object({ runId: z.string() }), ...authErrors, ...errors(404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await bootstrap.trigger(principalOf(req).workspaceId, 'manual')),
  );

  app.get(
    '/cache/:entityType',
    {
      schema: {
        operationId: 'listCachedEntities',
        tags: ['admin'],
        summary: 'Cached entities of one type, by id, with a cursor (unknown types are 404)',
        security,
        params: z.object({ entityType: z.string().regex(/^[a-z][a-z-]{0,40}$/) }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          cursor: z.string().min(1).max(100).optional(),
        }),
        response: {
          200: z.object({
            entityType: z.string(),
            items: z.array(CachedEntityView),
            nextCursor: z.string().nullable(),
          }),
          ...authErrors,
          ...errors(400, 404),
        },
      },
    },
    async (req) =>
      cache.list(principalOf(req).workspaceId, req.params.entityType, {
        limit: req.query.limit,
        ...(req.query.cursor !== undefined ? { cursor: req.query.cursor } : {}),
      }),
  );

  app.get(
    '/dashboard',
    {
      schema: {
        operationId: 'getDashboard',
        tags: ['admin'],
        summary:
          'Overview: bootstrap status, cached entity counts, flow stats (last 24 h) and recent executions',
        security,
        response: {
          200: z.object({
            bootstrap: z.object({
              runId: z.string().nullable(),
              status: RunStatus.nullable(),
              operations: z.object({ total: z.number().int(), done: z.number().int() }),
              errors: z.number().int(),
              estimatedSecondsLeft: z.number().int(),
              finishedAt: z.iso.datetime().nullable(),
            }),
            cache: z.object({ total: z.number().int(), byType: z.record(z.string(), z.number().int()) }),
            flows: FlowStats,
          }),
          ...authErrors,
          ...errors(404),
        },
      },
    },
    async (req) => {
      const workspaceId = principalOf(req).workspaceId;
      const { run } = await bootstrap.status(workspaceId);
      const byType = await cache.counts(workspaceId);
      return {
        bootstrap: {
          runId: run?.id ?? null,
          status: run?.status ?? null,
          operations: run?.operations ?? { total: 0, done: 0 },
          errors: run?.errors ?? 0,
          estimatedSecondsLeft: run?.estimatedSecondsLeft ?? 0,
          finishedAt: run?.finishedAt ?? null,
        },
        cache: { total: Object.values(byType).reduce((a, b) => a + b, 0), byType },
        flows: await flowStats(workspaceId),
      };
    },
  );
};
