import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FlowsService } from '../../modules/flows/flows.service.js';
import {
  FlowDefinitionBody,
  FlowId,
  FlowSummaryView,
  FlowVersionView,
  FlowView,
} from '../../modules/flows/flows.schemas.js';
import { principalOf } from '../plugins/admin-auth.js';
import { errors } from '../schemas/common.js';

type Opts = { flows: FlowsService };

const security = [{ bearer: [] }];
const authErrors = errors(401, 403);
const tags = ['flows'];
const Params = z.object({ flowId: FlowId });

const savedBy = (p: { userId: string | null; apiKeyId: string | null }) => p.userId ?? p.apiKeyId ?? null;

/** Flows: CRUD, enable/disable, versions. Mounted under /ui. */
export const flowsRoutes: FastifyPluginAsyncZod<Opts> = async (app, { flows }) => {
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
