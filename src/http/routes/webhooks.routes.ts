import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isClockifyEvent } from '../../integrations/clockify/webhook-events.js';
import { MAX_SOURCE_BODY_BYTES } from '../../modules/ingestion/ingestion.schemas.js';
import { type IngestReply, type IngestService, mediaTypeOf } from '../../modules/ingestion/ingest.service.js';
import type { RuntimeSource } from '../../modules/ingestion/sources.service.js';
import { AppError } from '../../platform/errors.js';
import { errors } from '../schemas/common.js';

declare module 'fastify' {
  interface FastifyRequest {
    webhookSource: RuntimeSource | null;
  }
}

type Opts = { ingest: IngestService; clockifyBodyLimit: number };

const Accepted = z.object({ eventId: z.string() });
const DuplicateOrChallenge = z.union([
  z.object({ eventId: z.string(), duplicate: z.literal(true) }),
  z.object({ challenge: z.string() }).describe('Slack url_verification handshake'),
]);
const inboundErrors = errors(400, 401, 404, 413, 415);
/**
 * The answers are built here from plain ids, so they are serialised as they are: validating each one
 * against its zod schema (kept for the OpenAPI document) would cost more than the rest of the reply.
 */
const plainJson = () => (data: unknown) => JSON.stringify(data);

const tooLarge = (limit: number) =>
  Object.assign(new AppError('PAYLOAD_TOO_LARGE', `This endpoint accepts bodies up to ${limit} bytes`), {
    statusCode: 413,
  });

const contentLengthOf = (req: FastifyRequest): number | null => {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) ? n : null;
};

/**
 * Reads the raw body (signatures are over the exact bytes) and fails with 413 as soon as it passes this
 * request's limit: the custom source's own, else the route's. Reading the stream directly, rather than
 * through a counting stream piped in preParsing, keeps the hot path to one listener per chunk.
 */
function readRawBody(
  req: FastifyRequest,
  payload: IncomingMessage,
  done: (err: Error | null, body?: Buffer) => void,
): void {
  const limit = req.webhookSource?.maxBodyBytes ?? req.routeOptions.bodyLimit ?? MAX_SOURCE_BODY_BYTES;
  const declared = contentLengthOf(req);
  if (declared !== null && declared > limit) {
    done(tooLarge(limit));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  // Inline listeners on purpose: under tsx (esbuild keepNames) every named closure costs a
  // defineProperty call per request. Once settled, the rest of the stream is drained and ignored.
  payload.on('data', (chunk: Buffer) => {
    if (settled) return;
    size += chunk.length;
    if (size > limit) {
      settled = true;
      done(tooLarge(limit));
      return;
    }
    chunks.push(chunk);
  });
  payload.on('end', () => {
    if (settled) return;
    settled = true;
    done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
  payload.on('error', (err: Error) => {
    if (settled) return;
    settled = true;
    done(err);
  });
  payload.resume();
}

const inbound = (req: FastifyRequest) => ({
  headers: req.headers,
  rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  contentType: req.headers['content-type'] ?? null,
});

/**
 * Inbound webhooks. The body is read as raw bytes (signatures are over the exact bytes), by a parser
 * scoped to this plugin, so every other route keeps Fastify's JSON parsing. Everything that can be
 * decided before the body is read (unknown endpoint, content type, declared size) is, in preParsing.
 */
export const webhookRoutes: FastifyPluginAsyncZod<Opts> = async (app, { ingest, clockifyBodyLimit }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => readRawBody(req, payload, done));
  app.decorateRequest('webhookSource', null);

  const clockifyPreParsing = async (req: FastifyRequest) => {
    const event = (req.params as { event?: string }).event;
    if (event !== undefined && !isClockifyEvent(event))
      throw new AppError('NOT_FOUND', `Unknown Clockify event ${event}`);
    if (mediaTypeOf(req.headers['content-type']) !== 'application/json') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Clockify webhooks are application/json');
    }
  };
  const clockifyDoc = (operationId: string, summary: string) => ({
    operationId,
    tags: ['webhooks'],
    summary,
    security: [{ clockifySignature: [] }],
    response: { 202: Accepted, 200: DuplicateOrChallenge, ...inboundErrors },
  });

  app.post(
    '/webhooks/clockify/:event',
    {
      bodyLimit: clockifyBodyLimit,
      serializerCompiler: plainJson,
      preParsing: async (req) => clockifyPreParsing(req),
      schema: {
        ...clockifyDoc('clockifyWebhook', 'Clockify: one webhook event (one path per event type)'),
        params: z.object({ event: z.string().max(64) }),
      },
    },
    async (req, reply) => {
      const r: IngestReply = await ingest.clockify(req.params.event, inbound(req));
      return reply.code(r.status).send(r.body);
    },
  );

  app.post(
    '/webhooks/clockify',
    {
      bodyLimit: clockifyBodyLimit,
      serializerCompiler: plainJson,
      preParsing: async (req) => clockifyPreParsing(req),
      schema: clockifyDoc(
        'clockifyWebhookSinglePath',
        'Clockify: any webhook event; the type comes from Clockify-Webhook-Event-Type',
      ),
    },
    async (req, reply) => {
      const r: IngestReply = await ingest.clockify(null, inbound(req));
      return reply.code(r.status).send(r.body);
    },
  );

  app.post(
    '/webhooks/custom/:sourceId',
    {
      bodyLimit: MAX_SOURCE_BODY_BYTES,
      serializerCompiler: plainJson,
      preParsing: async (req: FastifyRequest<{ Params: { sourceId: string } }>) => {
        const id = req.params.sourceId;
        const source = /^src_[0-9a-z]{24}$/.test(id) ? await ingest.source(id) : null;
        req.webhookSource = ingest.precheck(source, req.headers['content-type'], contentLengthOf(req));
      },
      schema: {
        operationId: 'customWebhook',
        tags: ['webhooks'],
        summary: 'An external system’s webhook to a custom source (verified per the source’s scheme)',
        params: z.object({ sourceId: z.string().max(64) }),
        response: { 202: Accepted, 200: DuplicateOrChallenge, ...inboundErrors },
      },
    },
    async (req, reply) => {
      const source = req.webhookSource;
      if (source === null) throw new AppError('NOT_FOUND', 'No such webhook endpoint');
      const r: IngestReply = await ingest.custom(source, inbound(req));
      return reply.code(r.status).send(r.body);
    },
  );
};
