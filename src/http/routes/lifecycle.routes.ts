import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClockifyClaims, ClockifyTokenVerifier } from '../../modules/auth/clockify-token.js';
import { installationTokenRefusal, lifecycleTokenRefusal } from '../../modules/auth/lifecycle-token.js';
import type { InstallationsService } from '../../modules/installations/installations.service.js';
import {
  DeletedPayload,
  InstalledPayload,
  SettingsUpdatedPayload,
  StatusChangedPayload,
} from '../../modules/installations/installations.schemas.js';
import { LIFECYCLE_PATHS } from '../../modules/manifest/build-manifest.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { errors } from '../schemas/common.js';

declare module 'fastify' {
  interface FastifyRequest {
    lifecycleClaims: ClockifyClaims | null;
  }
}

type Opts = { installations: InstallationsService; verifier: ClockifyTokenVerifier; clock: Clock };

const LifecycleAck = z.object({ workspaceId: z.string(), status: z.enum(['ACTIVE', 'INACTIVE', 'DELETED']) });
const lifecycleErrors = errors(400, 401, 404, 413, 415, 422);

/**
 * Clockify's lifecycle hooks. The token is checked before the body is validated, so an unauthenticated
 * caller learns nothing about the expected payload; the body's workspace must be the token's.
 */
export const lifecycleRoutes: FastifyPluginAsyncZod<Opts> = async (
  app,
  { installations, verifier, clock },
) => {
  app.decorateRequest('lifecycleClaims', null);
  app.addHook('onRequest', async (req) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Lifecycle hooks take application/json');
    }
  });
  app.addHook('preValidation', async (req) => {
    const header = req.headers['x-addon-lifecycle-token'] ?? req.headers['clockify-signature'];
    const token = Array.isArray(header) ? header[0] : header;
    const result = await verifier.verify(token, clock.now());
    if (!result.ok) throw new AppError('SIGNATURE_INVALID', `Lifecycle token rejected (${result.reason})`);
    const refusal = lifecycleTokenRefusal(result.claims);
    if (refusal !== null) throw new AppError('SIGNATURE_INVALID', `Lifecycle token rejected (${refusal})`);
    req.lifecycleClaims = result.claims;
  });

  const sameWorkspace = (req: FastifyRequest, body: { workspaceId: string; addonId: string }) => {
    const claims = req.lifecycleClaims;
    if (claims === null || claims.workspaceId !== body.workspaceId) {
      throw new AppError('SIGNATURE_INVALID', 'Lifecycle token was issued for another workspace');
    }
    if (claims.addonId !== undefined && claims.addonId !== body.addonId) {
      throw new AppError('SIGNATURE_INVALID', 'Lifecycle token was issued for another add-on');
    }
  };

  const doc = (operationId: string, summary: string) => ({
    operationId,
    tags: ['lifecycle'],
    summary,
    security: [{ lifecycleToken: [] }],
  });

  app.post(
    LIFECYCLE_PATHS.INSTALLED,
    {
      schema: {
        ...doc('lifecycleInstalled', 'Clockify: the add-on was installed'),
        body: InstalledPayload,
        response: { 200: LifecycleAck, ...lifecycleErrors },
      },
    },
    async (req) => {
      sameWorkspace(req, req.body);
      const refusal = installationTokenRefusal(
        await verifier.verify(req.body.authToken, clock.now()),
        req.body,
      );
      if (refusal === 'malformed')
        throw new AppError('VALIDATION_FAILED', 'body.authToken: not a JWT', {
          details: { field: 'authToken' },
        });
      if (refusal !== null)
        throw new AppError('SIGNATURE_INVALID', `Installation token in body.authToken rejected (${refusal})`);
      const v = await installations.installed(req.body);
      return { workspaceId: v.workspaceId, status: v.status };
    },
  );

  app.post(
    LIFECYCLE_PATHS.STATUS_CHANGED,
    {
      schema: {
        ...doc('lifecycleStatusChanged', 'Clockify: the add-on was activated or deactivated'),
        body: StatusChangedPayload,
        response: { 200: LifecycleAck, ...lifecycleErrors },
      },
    },
    async (req) => {
      sameWorkspace(req, req.body);
      const v = await installations.statusChanged(req.body);
      return { workspaceId: v.workspaceId, status: v.status };
    },
  );

  app.post(
    LIFECYCLE_PATHS.SETTINGS_UPDATED,
    {
      schema: {
        ...doc('lifecycleSettingsUpdated', 'Clockify: an admin changed the add-on settings'),
        body: SettingsUpdatedPayload,
        response: { 200: LifecycleAck, ...lifecycleErrors },
      },
    },
    async (req) => {
      sameWorkspace(req, req.body);
      const v = await installations.settingsUpdated(req.body);
      return { workspaceId: v.workspaceId, status: v.status };
    },
  );

  // `/lifecycle/uninstalled` is the older name some Clockify examples use for the same hook.
  for (const url of [LIFECYCLE_PATHS.DELETED, '/lifecycle/uninstalled']) {
    app.post(
      url,
      {
        schema: {
          ...doc(
            url === LIFECYCLE_PATHS.DELETED ? 'lifecycleDeleted' : 'lifecycleUninstalled',
            'Clockify: the add-on was uninstalled',
          ),
          hide: url !== LIFECYCLE_PATHS.DELETED,
          body: DeletedPayload,
          response: { 200: LifecycleAck, ...lifecycleErrors },
        },
      },
      async (req) => {
        sameWorkspace(req, req.body);
        return installations.deleted(req.body);
      },
    );
  }
};
