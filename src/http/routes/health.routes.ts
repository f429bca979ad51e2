import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { errors } from '../schemas/common.js';

export type Readiness = () => Promise<{ ok: true } | { ok: false; reason: string }>;

export const healthRoutes: FastifyPluginAsyncZod<{ readiness: Readiness }> = async (app, { readiness }) => {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'The process is alive',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'The database is reachable and every migration is applied',
        response: { 200: z.object({ status: z.literal('ready') }), ...errors(503) },
      },
    },
    async () => {
      const r = await readiness();
      if (!r.ok) throw new AppError('NOT_READY', r.reason);
      return { status: 'ready' as const };
    },
  );
};
