import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventsService } from '../../modules/ingestion/events.service.js';
import {
  CreateSourceBody,
  EventDetail,
  EventSummary,
  ListEventsQuery,
  RejectionView,
  RotateSecretBody,
  SourceId,
  SourceStats,
  SourceView,
  SourceWithSecret,
  UpdateSourceBody,
} from '../../modules/ingestion/ingestion.schemas.js';
import { PROVIDERS } from '../../modules/ingestion/providers.js';
import type { SourcesService } from '../../modules/ingestion/sources.service.js';
import { principalOf } from '../plugins/admin-auth.js';
import { errors } from '../schemas/common.js';

type Opts = { sources: SourcesService; events: EventsService };

const security = [{ bearer: [] }];
const authErrors = errors(401, 403);
const SourceParams = z.object({ sourceId: SourceId });
const tags = ['ingestion'];

/** Admin API for inbound webhooks: custom sources, the event log, quarantine, stats. Mounted under /ui. */
export const ingestionAdminRoutes: FastifyPluginAsyncZod<Opts> = async (app, { sources, events }) => {
  app.get(
    '/providers',
    {
      schema: {
        operationId: 'listProviders',
        tags,
        summary: 'Verification schemes a custom source can use, with their parameters and defaults',
        security,
        response: { 200: z.object({ items: z.array(z.record(z.string(), z.unknown())) }), ...authErrors },
      },
    },
    async () => ({ items: PROVIDERS as unknown as Record<string, unknown>[] }),
  );

  app.get(
    '/sources',
    {
      schema: {
        operationId: 'listSources',
        tags,
        summary: 'Custom webhook sources of this workspace',
        security,
        response: { 200: z.object({ items: z.array(SourceView) }), ...authErrors },
      },
    },
    async (req) => ({ items: await sources.list(principalOf(req).workspaceId) }),
  );

  app.post(
    '/sources',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createSource',
        tags,
        summary: 'Create a custom source. The secret (generated unless given) is in this response only.',
        security,
        body: CreateSourceBody,
        response: { 201: SourceWithSecret, ...authErrors, ...errors(400, 404, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await sources.create(principalOf(req).workspaceId, req.body)),
  );

  app.get(
    '/sources/:sourceId',
    {
      schema: {
        operationId: 'getSource',
        tags,
        summary: 'One custom source (never its secret)',
        security,
        params: SourceParams,
        response: { 200: SourceView, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => sources.get(principalOf(req).workspaceId, req.params.sourceId),
  );

  app.patch(
    '/sources/:sourceId',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateSource',
        tags,
        summary:
          'Update a source (name, verification, dedup rule, limits, enabled). A new scheme or secret is returned once.',
        security,
        params: SourceParams,
        body: UpdateSourceBody,
        response: {
          200: SourceView.extend({ secret: z.string().nullable().optional() }),
          ...authErrors,
          ...errors(400, 404, 422),
        },
      },
    },
    async (req) => sources.update(principalOf(req).workspaceId, req.params.sourceId, req.body),
  );

  app.post(
    '/sources/:sourceId/rotate-secret',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'rotateSourceSecret',
        tags,
        summary:
          'Replace the secret; the previous one keeps working for graceSeconds. The new secret is in this response only.',
        security,
        params: SourceParams,
        body: RotateSecretBody,
        response: { 200: SourceWithSecret, ...authErrors, ...errors(400, 404, 422) },
      },
    },
    async (req) => sources.rotateSecret(principalOf(req).workspaceId, req.params.sourceId, req.body),
  );

  app.delete(
    '/sources/:sourceId',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'deleteSource',
        tags,
        summary: 'Delete a source (its URL stops working; received events stay until retention)',
        security,
        params: SourceParams,
        response: { 200: SourceView, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => sources.delete(principalOf(req).workspaceId, req.params.sourceId),
  );

  app.get(
    '/sources/:sourceId/rejections',
    {
      schema: {
        operationId: 'listSourceRejections',
        tags,
        summary: 'The quarantine: the last rejected requests of a source (`clockify` for Clockify webhooks)',
        security,
        params: z.object({ sourceId: z.union([SourceId, z.literal('clockify')]) }),
        response: { 200: z.object({ items: z.array(RejectionView) }), ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => {
      const { workspaceId } = principalOf(req);
      if (req.params.sourceId !== 'clockify') await sources.get(workspaceId, req.params.sourceId);
      return { items: await events.rejections(workspaceId, req.params.sourceId) };
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        operationId: 'listWebhookEvents',
        tags,
        summary: 'Received events, newest first (cursor pagination)',
        security,
        querystring: ListEventsQuery,
        response: {
          200: z.object({ items: z.array(EventSummary), nextCursor: z.string().nullable() }),
          ...authErrors,
          ...errors(400),
        },
      },
    },
    async (req) => events.list(principalOf(req).workspaceId, req.query),
  );

  app.get(
    '/webhooks/:eventId',
    {
      schema: {
        operationId: 'getWebhookEvent',
        tags,
        summary: 'One event: raw body, redacted headers, verification, processing status and jobs',
        security,
        params: z.object({ eventId: z.string().min(1).max(64) }),
        response: { 200: EventDetail, ...authErrors, ...errors(404) },
      },
    },
    async (req) => events.get(principalOf(req).workspaceId, req.params.eventId),
  );

  app.get(
    '/stats',
    {
      schema: {
        operationId: 'getIngestionStats',
        tags,
        summary:
          'Per source: received, accepted, duplicates, rejected, last received, processing success rate',
        security,
        response: { 200: z.object({ items: z.array(SourceStats) }), ...authErrors },
      },
    },
    async (req) => ({ items: await events.stats(principalOf(req).workspaceId) }),
  );

  app.get(
    '/stats/hourly',
    {
      schema: {
        operationId: 'getIngestionHourly',
        tags,
        summary: 'Events received per hour over the last 24 hours (all sources), oldest first',
        security,
        response: {
          200: z.object({
            buckets: z.array(z.object({ hour: z.iso.datetime(), events: z.number().int() })),
          }),
          ...authErrors,
        },
      },
    },
    async (req) => events.hourly(principalOf(req).workspaceId),
  );
};
