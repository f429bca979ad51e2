import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ExecutionsService } from '../../modules/flows/executions.service.js';
import {
  ExecutionDetail,
  ExecutionId,
  ExecutionSummary,
  FlowDefinitionBody,
  FlowId,
  FlowSummaryView,
  FlowVersionView,
  FlowView,
  ListExecutionsQuery,
  ReplayFilter,
  ReplayId,
  ReplayView,
  RetryBody,
} from '../../modules/flows/flows.schemas.js';
import type { FlowToolsService } from '../../modules/flows/flow-tools.service.js';
import type { FlowsService } from '../../modules/flows/flows.service.js';
import { principalOf } from '../plugins/admin-auth.js';
import { errors } from '../schemas/common.js';

type Opts = { flows: FlowsService; tools: FlowToolsService };

const security = [{ bearer: [] }];
const authErrors = errors(401, 403);
const tags = ['flows'];
const Params = z.object({ flowId: FlowId });

const savedBy = (p: { userId: string | null; apiKeyId: string | null }) => p.userId ?? p.apiKeyId ?? null;

/** Flows: CRUD, enable/disable, versions. Mounted under /ui. */
export const flowsRoutes: FastifyPluginAsyncZod<Opts> = async (app, { flows, tools }) => {
  app.post(
    '/flows/:flowId/test',
    {
      schema: {
        operationId: 'testFlow',
        tags,
        summary:
          'Dry run against a sample body or a stored event, with the saved or an unsaved definition: traces, rendered requests; calls and stores nothing',
        security,
        params: Params,
        body: z.strictObject({
          definition: FlowDefinitionBody.optional(),
          eventId: z.string().min(1).max(64).optional(),
          sample: z.unknown().optional(),
          eventType: z.string().min(1).max(100).optional(),
          source: z.string().min(1).max(64).optional(),
        }),
        response: { 200: z.record(z.string(), z.unknown()), ...authErrors, ...errors(400, 404, 422) },
      },
    },
    async (req) =>
      (await tools.dryRun(principalOf(req).workspaceId, req.params.flowId, req.body)) as unknown as Record<
        string,
        unknown
      >,
  );

  app.get(
    '/flow-templates',
    {
      schema: {
        operationId: 'listFlowTemplates',
        tags,
        summary: 'Ready flows to install, with the inputs each one needs',
        security,
        response: { 200: z.object({ items: z.array(z.record(z.string(), z.unknown())) }), ...authErrors },
      },
    },
    async () => ({ items: tools.templates() as unknown as Record<string, unknown>[] }),
  );

  app.post(
    '/flow-templates/:templateId/install',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'installFlowTemplate',
        tags,
        summary: 'Install a template as a new flow (disabled) with its inputs; 422 names each bad input',
        security,
        params: z.object({ templateId: z.string().min(1).max(100) }),
        body: z.strictObject({ inputs: z.record(z.string(), z.unknown()).default({}) }),
        response: { 201: FlowView, ...authErrors, ...errors(400, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      return reply
        .code(201)
        .send(await tools.install(p.workspaceId, req.params.templateId, req.body.inputs, savedBy(p)));
    },
  );

  app.get(
    '/flows',
    {
      schema: {
        operationId: 'listFlows',
        tags,
        summary: 'Flows of this workspace',
        security,
        response: { 200: z.object({ items: z.array(FlowSummaryView) }), ...authErrors },
      },
    },
    async (req) => ({ items: await flows.list(principalOf(req).workspaceId) }),
  );

  app.post(
    '/flows',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createFlow',
        tags,
        summary: 'Create a flow (version 1). 422 names every problem of the definition with its location.',
        security,
        body: FlowDefinitionBody,
        response: { 201: FlowView, ...authErrors, ...errors(400, 409, 422) },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      return reply.code(201).send(await flows.create(p.workspaceId, req.body, savedBy(p)));
    },
  );

  app.get(
    '/flows/:flowId',
    {
      schema: {
        operationId: 'getFlow',
        tags,
        summary: 'One flow with its current definition',
        security,
        params: Params,
        response: { 200: FlowView, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => flows.get(principalOf(req).workspaceId, req.params.flowId),
  );

  app.put(
    '/flows/:flowId',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'updateFlow',
        tags,
        summary: 'Replace the definition: a new version (executions keep the version they ran)',
        security,
        params: Params,
        body: FlowDefinitionBody,
        response: { 200: FlowView, ...authErrors, ...errors(400, 404, 409, 422) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return flows.update(p.workspaceId, req.params.flowId, req.body, savedBy(p));
    },
  );

  app.delete(
    '/flows/:flowId',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'deleteFlow',
        tags,
        summary: 'Delete a flow (it stops at once; its executions stay until retention)',
        security,
        params: Params,
        response: { 200: FlowSummaryView, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => flows.delete(principalOf(req).workspaceId, req.params.flowId),
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post(
      `/flows/:flowId/${action}`,
      {
        config: { access: 'write' },
        schema: {
          operationId: `${action}Flow`,
          tags,
          summary: action === 'enable' ? 'Enable a flow' : 'Disable a flow (no new executions)',
          security,
          params: Params,
          response: { 200: FlowView, ...authErrors, ...errors(400, 404) },
        },
      },
      async (req) => flows.setEnabled(principalOf(req).workspaceId, req.params.flowId, action === 'enable'),
    );
  }

  app.get(
    '/flows/:flowId/versions',
    {
      schema: {
        operationId: 'listFlowVersions',
        tags,
        summary: 'Every saved version of a flow, newest first',
        security,
        params: Params,
        response: { 200: z.object({ items: z.array(FlowVersionView) }), ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => ({ items: await flows.versions(principalOf(req).workspaceId, req.params.flowId) }),
  );
};

type ExecOpts = { executions: ExecutionsService };
const ExecParams = z.object({ executionId: ExecutionId });
const page = z.object({ items: z.array(ExecutionSummary), nextCursor: z.string().nullable() });

/** Executions: lists, step traces, retry, replays. Mounted under /ui. */
export const executionsRoutes: FastifyPluginAsyncZod<ExecOpts> = async (app, { executions }) => {
  app.get(
    '/flows/:flowId/executions',
    {
      schema: {
        operationId: 'listFlowExecutions',
        tags,
        summary: 'Executions of one flow, newest first (filters: status, event, time; cursor pagination)',
        security,
        params: Params,
        querystring: ListExecutionsQuery.omit({ flowId: true }),
        response: { 200: page, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => executions.listForFlow(principalOf(req).workspaceId, req.params.flowId, req.query),
  );

  app.get(
    '/executions',
    {
      schema: {
        operationId: 'listExecutions',
        tags,
        summary: 'Executions of this workspace, newest first (filters: status, flow, event, time; cursor)',
        security,
        querystring: ListExecutionsQuery,
        response: { 200: page, ...authErrors, ...errors(400) },
      },
    },
    async (req) => executions.list(principalOf(req).workspaceId, req.query),
  );

  app.get(
    '/executions/:executionId',
    {
      schema: {
        operationId: 'getExecution',
        tags,
        summary: 'One execution with its step trace (every attempt: request, status, body, latency, error)',
        security,
        params: ExecParams,
        response: { 200: ExecutionDetail, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => executions.get(principalOf(req).workspaceId, req.params.executionId),
  );

  app.post(
    '/executions/:executionId/retry',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'retryExecution',
        tags,
        summary:
          'Run an ended execution again as a new one: from the start, or from the failed step (earlier results reused), with the original or the current version',
        security,
        params: ExecParams,
        body: RetryBody,
        response: { 202: ExecutionSummary, ...authErrors, ...errors(400, 404, 409) },
      },
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(await executions.retry(principalOf(req).workspaceId, req.params.executionId, req.body)),
  );

  app.post(
    '/webhooks/:eventId/replay',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'replayWebhookEvent',
        tags,
        summary: "Run one stored event through the workspace's current flows (new executions, origin replay)",
        security,
        params: z.object({ eventId: z.string().min(1).max(64) }),
        response: { 202: z.object({ executions: z.array(z.string()) }), ...authErrors, ...errors(400, 404) },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await executions.replayEvent(principalOf(req).workspaceId, req.params.eventId)),
  );

  app.post(
    '/flows/:flowId/replay',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'replayFlow',
        tags,
        summary:
          'Replay stored events (time range, event types, up to limit) through this flow, as a background job; poll its progress',
        security,
        params: Params,
        body: ReplayFilter,
        response: { 202: ReplayView, ...authErrors, ...errors(400, 404, 409) },
      },
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(await executions.startReplay(principalOf(req).workspaceId, req.params.flowId, req.body)),
  );

  app.get(
    '/flows/:flowId/replays/:replayId',
    {
      schema: {
        operationId: 'getFlowReplay',
        tags,
        summary: 'Progress of a replay: events scanned, executions created, status',
        security,
        params: z.object({ flowId: FlowId, replayId: ReplayId }),
        response: { 200: ReplayView, ...authErrors, ...errors(400, 404) },
      },
    },
    async (req) => executions.getReplay(principalOf(req).workspaceId, req.params.flowId, req.params.replayId),
  );
};
