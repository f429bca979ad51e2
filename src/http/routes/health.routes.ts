import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { LevelWithSilent } from 'pino';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { errors } from '../schemas/common.js';

export type Readiness = () => Promise<{ ok: true } | { ok: false; reason: string }>;

/** Probes are polled every few seconds: log them only from `quietLevel` up (warn, unless the app is quieter). */
export const healthRoutes: FastifyPluginAsyncZod<{
  readiness: Readiness;
  quietLevel: LevelWithSilent;
}> = async (app, { readiness, quietLevel }) => {
  app.get(
    '/healthz',
    {
      logLevel: quietLevel,
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
      logLevel: quietLevel,
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
