import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminAuthService } from '../../modules/auth/admin-auth.service.js';
import type { InstallationsService } from '../../modules/installations/installations.service.js';
import { InstallationView } from '../../modules/installations/installations.schemas.js';
import { principalOf } from '../plugins/admin-auth.js';
import { errors } from '../schemas/common.js';

const ApiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    canWrite: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' });

const Me = z.object({
  workspaceId: z.string(),
  via: z.enum(['user-token', 'api-key']),
  canWrite: z.boolean(),
  userId: z.string().nullable(),
  role: z.string().nullable(),
});

const security = [{ bearer: [] }];
const authErrors = errors(401, 403);

/** Admin API basics: who am I, the installation, and the workspace's API keys. Mounted under /ui. */
export const adminRoutes: FastifyPluginAsyncZod<{
  installations: InstallationsService;
  adminAuth: AdminAuthService;
}> = async (app, { installations, adminAuth }) => {
  app.get(
    '/me',
    {
      schema: {
        operationId: 'getMe',
        tags: ['admin'],
        summary: 'The caller and its access',
        security,
        response: { 200: Me, ...authErrors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return { workspaceId: p.workspaceId, via: p.via, canWrite: p.canWrite, userId: p.userId, role: p.role };
    },
  );

  app.get(
    '/installation',
    {
      schema: {
        operationId: 'getInstallation',
        tags: ['admin'],
        summary: 'This workspace’s installation: status, API URLs, settings',
        security,
        response: { 200: InstallationView, ...authErrors, ...errors(404) },
      },
    },
    async (req) => installations.view(await installations.requireInstalled(principalOf(req).workspaceId)),
  );

  app.get(
    '/api-keys',
    {
      schema: {
        operationId: 'listApiKeys',
        tags: ['admin'],
        summary: 'API keys of this workspace (secrets are never shown again)',
        security,
        response: { 200: z.object({ items: z.array(ApiKeyView) }), ...authErrors },
      },
    },
    async (req) => ({ items: await adminAuth.listApiKeys(principalOf(req)) }),
  );

  app.post(
    '/api-keys',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'createApiKey',
        tags: ['admin'],
        summary: 'Create an admin API key for scripts. The key is in this response only.',
        security,
        body: z.object({
          name: z.string().trim().min(1).max(100),
          canWrite: z.boolean().default(true),
        }),
        response: { 201: ApiKeyView.extend({ key: z.string() }), ...authErrors, ...errors(400) },
      },
    },
    async (req, reply) => reply.code(201).send(await adminAuth.createApiKey(principalOf(req), req.body)),
  );

  app.delete(
    '/api-keys/:keyId',
    {
      config: { access: 'write' },
      schema: {
        operationId: 'revokeApiKey',
        tags: ['admin'],
        summary: 'Revoke an API key (it stops working at once)',
        security,
        params: z.object({ keyId: z.string().min(1).max(64) }),
        response: { 200: ApiKeyView, ...authErrors, ...errors(404) },
      },
    },
    async (req) => adminAuth.revokeApiKey(principalOf(req), req.params.keyId),
  );
};
