import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const manifestRoutes: FastifyPluginAsyncZod<{ manifest: () => Record<string, unknown> }> = async (
  app,
  { manifest },
) => {
  for (const url of ['/manifest', '/manifest.json']) {
    app.get(
      url,
      {
        schema: {
          operationId: url === '/manifest' ? 'getManifest' : 'getManifestJson',
          tags: ['clockify'],
          summary: 'The add-on manifest Clockify reads (schema 1.6)',
          hide: url !== '/manifest',
          response: { 200: z.record(z.string(), z.unknown()) },
        },
      },
      async () => manifest(),
    );
  }
};
