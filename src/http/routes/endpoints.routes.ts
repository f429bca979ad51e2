import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AttemptView,
  CreateEndpointBody,
  EndpointId,
  EndpointStats,
  EndpointView,
  EndpointWithSecret,
  EventTypeView,
  ListMessagesQuery,
  MessageDetail,
  MessageId,
  MessageSummary,
  PreviewBody,
  RecoverBody,
  RotateEndpointSecretBody,
  TestBody,
  UpdateEndpointBody,
} from '../../modules/delivery/delivery.schemas.js';
import type { DeliveryService } from '../../modules/delivery/delivery.service.js';
import { principalOf } from '../plugins/admin-auth.js';
import { errors } from '../schemas/common.js';

type Opts = { delivery: DeliveryService };

const security = [{ bearer: [] }];
const authErrors = errors(401, 403);
const tags = ['outbound'];
const EndpointParams = z.object({ endpointId: EndpointId });
const MessageParams = z.object({ messageId: MessageId });
const JobAccepted = z.object({ jobId: z.string() });

/** Admin API for outbound webhooks: endpoints, their messages and attempts, event types. Mounted under /ui. */
export const endpointsRoutes: FastifyPluginAsyncZod<Opts> = async (app, { delivery }) => {
  app.get(
    '/event-types',
    {
      schema: {
        operationId: 'listOutboundEventTypes',
        tags,
        summary:
          "Event types an endpoint can subscribe to: Clockify's, custom sources' (seen), the gateway's own",
        security,
        response: { 200: z.object({ items: z.array(EventTypeView) }), ...authErrors },
      },
    },
    async (req) => ({ items: await delivery.eventTypes(principalOf(req).workspaceId) }),
  );

  app.get(
    '/endpoints',
    {
      schema: {
        operationId: 'listEndpoints',
        tags,
        summary: 'Outbound webhook endpoints of this workspace',
        security,
        response: { 200: z.object({ items: z.array(EndpointView) }), ...authErrors },
      },
    },
    async (req) => ({ items: await delivery.endpoints.list(principalOf(req).workspaceId) }),
  );

  app.post(
    '/endpoints',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createEndpoint',
        tags,
        summary: 'Create an endpoint. Its signing secret (whsec_…) is in this response only.',
        security,
        body: CreateEndpointBody,
        response: { 201: EndpointWithSecret, ...authErrors, ...errors(400, 422) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await delivery.endpoints.create(principalOf(req).workspaceId, req.body)),
  );

  app.get(
    '/endpoints/:endpointId',
    {
      schema: {
        operationId: 'getEndpoint',
        tags,
        summary: 'One endpoint (never its secret)',
        security,
        params: EndpointParams,
        response: { 200: EndpointView, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => delivery.endpoints.get(principalOf(req).workspaceId, req.params.endpointId),
  );

  app.patch(
    '/endpoints/:endpointId',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateEndpoint',
        tags,
        summary: 'Update an endpoint; `enabled: true` also re-enables one the gateway disabled',
        security,
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: EndpointView, ...authErrors, ...errors(400, 404, 422) },
      },
    },
    async (req) => delivery.endpoints.update(principalOf(req).workspaceId, req.params.endpointId, req.body),
  );

  app.delete(
    '/endpoints/:endpointId',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'deleteEndpoint',
        tags,
        summary: 'Delete an endpoint with its messages and attempts',
        security,
        params: EndpointParams,
        response: { 200: EndpointView, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => delivery.endpoints.delete(principalOf(req).workspaceId, req.params.endpointId),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/endpoints/:endpointId/${action}`,
      {
        config: { access: 'write' },
        schema: {
          operationId: action === 'pause' ? 'pauseEndpoint' : 'resumeEndpoint',
          tags,
          summary:
            action === 'pause'
              ? 'Pause: new messages are kept and wait; nothing is sent until resumed'
              : 'Resume (or re-enable a disabled endpoint): waiting messages are sent',
          security,
          params: EndpointParams,
          response: { 200: EndpointView, ...authErrors, ...errors(400, 404) },
        },
      },
      async (req) => delivery.endpoints[action](principalOf(req).workspaceId, req.params.endpointId),
    );
  }

  app.post(
    '/endpoints/:endpointId/rotate-secret',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'rotateEndpointSecret',
        tags,
        summary:
          'New signing secret at once; the old one keeps signing too for graceSeconds (0–7 days). The new secret is in this response only.',
        security,
        params: EndpointParams,
        body: RotateEndpointSecretBody,
        response: { 200: EndpointWithSecret, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) =>
      delivery.endpoints.rotateSecret(
        principalOf(req).workspaceId,
        req.params.endpointId,
        req.body.graceSeconds,
      ),
  );

  app.get(
    '/endpoints/:endpointId/stats',
    {
      schema: {
        operationId: 'getEndpointStats',
        tags,
        summary: 'Delivered, failed, pending; success rate of the last 24 h; last success and failure',
        security,
        params: EndpointParams,
        response: { 200: EndpointStats, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => delivery.endpoints.stats(principalOf(req).workspaceId, req.params.endpointId),
  );

  app.get(
    '/endpoints/:endpointId/messages',
    {
      schema: {
        operationId: 'listEndpointMessages',
        tags,
        summary:
          'Messages of an endpoint, newest first (filters: status, event type, time; cursor pagination)',
        security,
        params: EndpointParams,
        querystring: ListMessagesQuery,
        response: {
          200: z.object({ items: z.array(MessageSummary), nextCursor: z.string().nullable() }),
          ...authErrors,
          ...errors(400, 404),
        },
      },
    },
    async (req) => delivery.messages.list(principalOf(req).workspaceId, req.params.endpointId, req.query),
  );

  app.post(
    '/endpoints/:endpointId/recover',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'recoverEndpoint',
        tags,
        summary:
          "Send every failed message since `since` again, in a background job within the endpoint's rate",
        security,
        params: EndpointParams,
        body: RecoverBody,
        response: { 202: JobAccepted, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(
          await delivery.messages.recover(
            principalOf(req).workspaceId,
            req.params.endpointId,
            req.body.since,
          ),
        ),
  );

  app.post(
    '/endpoints/:endpointId/test',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'testEndpoint',
        tags,
        summary: 'Send a signed sample of an event type from the catalogue now; returns the attempt',
        security,
        params: EndpointParams,
        body: TestBody,
        response: {
          200: AttemptView.extend({ messageId: z.string() }),
          ...authErrors,
          ...errors(400, 404),
        },
      },
    },
    async (req) =>
      delivery.messages.test(principalOf(req).workspaceId, req.params.endpointId, req.body.eventType),
  );

  app.post(
    '/endpoints/:endpointId/preview',
    {
      schema: {
        operationId: 'previewEndpoint',
        tags,
        summary:
          "The endpoint's filter and transformation (or a given one) applied to samples or to the last 10 matching events",
        security,
        params: EndpointParams,
        body: PreviewBody,
        response: {
          200: z.object({
            items: z.array(
              z.object({
                eventId: z.string().nullable(),
                eventType: z.string(),
                source: z.string(),
                matched: z.boolean(),
                body: z.unknown(),
                error: z.string().nullable(),
              }),
            ),
          }),
          ...authErrors,
          ...errors(400, 404, 422),
        },
      },
    },
    async (req) => delivery.messages.preview(principalOf(req).workspaceId, req.params.endpointId, req.body),
  );

  app.get(
    '/messages/:messageId',
    {
      schema: {
        operationId: 'getMessage',
        tags,
        summary: 'One message: the body sent and every attempt',
        security,
        params: MessageParams,
        response: { 200: MessageDetail, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => delivery.messages.get(principalOf(req).workspaceId, req.params.messageId),
  );

  app.post(
    '/messages/:messageId/retry',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'retryMessage',
        tags,
        summary: 'One attempt now (whatever the schedule says)',
        security,
        params: MessageParams,
        response: { 202: JobAccepted, ...authErrors, ...errors(400, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await delivery.messages.retry(principalOf(req).workspaceId, req.params.messageId)),
  );
};
