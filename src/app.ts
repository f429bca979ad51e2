import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyReply } from 'fastify';
import {
  type ZodTypeProvider,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from './config/env.js';
import { clientErrorHandler } from './http/client-error.js';
import { adminAuthHook } from './http/plugins/admin-auth.js';
import { registerErrorHandler } from './http/plugins/error-handler.js';
import { lazyRequestLogger } from './http/plugins/lazy-request-logger.js';
import { registerRequestGuards } from './http/plugins/request-guards.js';
import { adminRoutes } from './http/routes/admin.routes.js';
import { bootstrapRoutes } from './http/routes/bootstrap.routes.js';
import { explorerRoutes } from './http/routes/explorer.routes.js';
import { endpointsRoutes } from './http/routes/endpoints.routes.js';
import { type Readiness, healthRoutes } from './http/routes/health.routes.js';
import { executionsRoutes, flowsRoutes } from './http/routes/flows.routes.js';
import { ingestionAdminRoutes } from './http/routes/ingestion-admin.routes.js';
import { lifecycleRoutes } from './http/routes/lifecycle.routes.js';
import { manifestRoutes } from './http/routes/manifest.routes.js';
import { webRoutes } from './http/routes/web.routes.js';
import { webhookRoutes } from './http/routes/webhooks.routes.js';
import type { AdminAuthService } from './modules/auth/admin-auth.service.js';
import type { ClockifyTokenVerifier } from './modules/auth/clockify-token.js';
import type { BootstrapService } from './modules/bootstrap/bootstrap.service.js';
import type { CacheService } from './modules/cache/cache.service.js';
import type { ExplorerService } from './modules/explorer/explorer.service.js';
import type { DeliveryService } from './modules/delivery/delivery.service.js';
import type { FlowsModule } from './modules/flows/flows.module.js';
import type { IngestionModule } from './modules/ingestion/ingestion.module.js';
import type { InstallationsService } from './modules/installations/installations.service.js';
import { clockifyWebhookPath } from './integrations/clockify/webhook-events.js';
import { buildManifest } from './modules/manifest/build-manifest.js';
import type { Clock } from './platform/clock.js';
import { errorEnvelope } from './platform/errors.js';

export type AppDeps = {
  config: Config;
  logger: Logger | false;
  clock: Clock;
  readiness: Readiness;
  verifier: ClockifyTokenVerifier;
  installations: InstallationsService;
  adminAuth: AdminAuthService;
  bootstrap: BootstrapService;
  cache: CacheService;
  ingestion: Pick<IngestionModule, 'ingest' | 'sources' | 'events'>;
  explorer: ExplorerService;
  delivery: DeliveryService;
  flows: Pick<FlowsModule, 'flows' | 'executions' | 'tools'>;
};

// Request ids may come from a proxy; accept only short, plain ones so they are safe to log and echo.
const SAFE_REQUEST_ID = /^[\w.:-]{1,100}$/;

/** Builds the HTTP app from its dependencies. No listen, no environment reads: tests and scripts use it too. */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.logger === false ? undefined : (deps.logger as FastifyBaseLogger),
    logger: deps.logger === false ? false : undefined,
    bodyLimit: deps.config.http.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming)
        ? incoming
        : `req_${randomUUID()}`;
    },
    return503OnClosing: true,
    // Node answers an HTTP/1.1 request without Host with a bare 400 itself; our guard answers it in the
    // error envelope instead (src/http/plugins/request-guards.ts).
    http: { requireHostHeader: false },
    // Errors Fastify raises before routing (a URL that is not valid percent-encoding) get our envelope too.
    frameworkErrors: (error, req, reply) => {
      void (reply as unknown as FastifyReply)
        .code(400)
        .header('content-type', 'application/json; charset=utf-8')
        .send(
          JSON.stringify(errorEnvelope('VALIDATION_FAILED', error.message || 'Malformed request', req.id)),
        );
    },
    // …and so do requests Node's HTTP parser rejects before Fastify sees them.
    clientErrorHandler,
    forceCloseConnections: 'idle',
    childLoggerFactory: (logger, bindings, opts) => lazyRequestLogger(logger, bindings, opts),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  app.decorateRequest('principal', null);
  // Callback-style hooks: they run on every request, and an async hook costs a promise each time.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  registerRequestGuards(app);
  // During shutdown, a response to a request that was already running closes its keep-alive
  // connection; otherwise close() would wait for the client's idle timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Clockify Webhook Gateway API',
        version: '1.0.0',
        description:
          'Lifecycle hooks and webhooks that Clockify calls, and the admin API (`/ui/*`). Errors share one shape: `{ "error": { "code", "message", "requestId", "details"? } }` (see docs/errors.md).',
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'clockify', description: 'What Clockify reads' },
        {
          name: 'lifecycle',
          description: 'Clockify lifecycle hooks (signed JWT in X-Addon-Lifecycle-Token)',
        },
        { name: 'admin', description: 'Admin API: Clockify user token or admin API key' },
        {
          name: 'webhooks',
          description: 'Inbound webhooks: Clockify events (JWT in Clockify-Signature) and custom sources',
        },
        {
          name: 'ingestion',
          description: 'Admin API for inbound webhooks: sources, event log, quarantine, stats',
        },
        {
          name: 'api-explorer',
          description: 'Browse and run Clockify API operations: validation, write gate, history, snippets',
        },
        {
          name: 'outbound',
          description: 'Admin API for outbound webhooks: endpoints, messages, attempts, event types',
        },
        { name: 'flows', description: 'Admin API for no-code flows: definitions, versions, executions' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A Clockify user token (the iframe auth_token) or an admin API key (gwk_…)',
          },
          lifecycleToken: { type: 'apiKey', in: 'header', name: 'X-Addon-Lifecycle-Token' },
          clockifySignature: { type: 'apiKey', in: 'header', name: 'Clockify-Signature' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const level = deps.config.logLevel;
  const quietLevel = level === 'fatal' || level === 'error' || level === 'silent' ? level : 'warn';
  await app.register(healthRoutes, { readiness: deps.readiness, quietLevel });
  const manifest = buildManifest({
    key: deps.config.addon.key,
    name: deps.config.addon.name,
    baseUrl: deps.config.publicBaseUrl,
    minimalPlan: deps.config.addon.minimalPlan,
    webhooks: deps.config.ingestion.manifestEvents.map((event) => ({
      event,
      path: clockifyWebhookPath(event),
    })),
  });
  await app.register(manifestRoutes, { manifest: () => manifest });
  await app.register(lifecycleRoutes, {
    installations: deps.installations,
    verifier: deps.verifier,
    clock: deps.clock,
  });
  await app.register(webRoutes);
  await app.register(webhookRoutes, {
    ingest: deps.ingestion.ingest,
    clockifyBodyLimit: deps.config.http.bodyLimitBytes,
  });
  await app.register(
    async (ui) => {
      ui.addHook('onRequest', adminAuthHook(deps.adminAuth));
      await ui.register(adminRoutes, { installations: deps.installations, adminAuth: deps.adminAuth });
      await ui.register(bootstrapRoutes, {
        bootstrap: deps.bootstrap,
        cache: deps.cache,
        flowStats: (ws: string) => deps.flows.executions.stats(ws),
      });
      await ui.register(ingestionAdminRoutes, {
        sources: deps.ingestion.sources,
        events: deps.ingestion.events,
      });
      await ui.register(explorerRoutes, { explorer: deps.explorer });
      await ui.register(endpointsRoutes, { delivery: deps.delivery });
      await ui.register(flowsRoutes, { flows: deps.flows.flows, tools: deps.flows.tools });
      await ui.register(executionsRoutes, { executions: deps.flows.executions });
    },
    { prefix: '/ui' },
  );
  return app;
}
export type App = Awaited<ReturnType<typeof buildApp>>;
