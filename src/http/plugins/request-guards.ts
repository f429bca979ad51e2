import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { findInputProblems } from '../../platform/storable-text.js';

/**
 * Checks every route's parsed input (body, query, path parameters) in one place, after the route's own
 * schema: text PostgreSQL cannot store (a NUL, an unpaired surrogate) and JSON nested deeper than
 * MAX_JSON_DEPTH are a 400 naming the field, before any handler can write them. Raw bodies (inbound
 * webhooks keep their exact bytes) are not parsed here; their limits apply where they are processed.
 */
export function inputProblemOf(req: FastifyRequest): AppError | null {
  const issues = [
    ...(Buffer.isBuffer(req.body) ? [] : findInputProblems(req.body, 'body')),
    ...findInputProblems(req.query, 'query'),
    ...findInputProblems(req.params, 'params'),
  ];
  const first = issues[0];
  if (first === undefined) return null;
  return new AppError('VALIDATION_FAILED', `${first.path}: ${first.message}`, { details: { issues } });
}

/**
 * HTTP/1.1 requires a Host header (RFC 9112 §3.2: a server must answer 400 without one). Node enforces it
 * with a bare 400 and an empty body, so the server is told not to (`requireHostHeader: false`, app.ts)
 * and this check answers in the error envelope. HTTP/1.0 has no Host header and stays accepted.
 */
export function missingHostOf(req: FastifyRequest): AppError | null {
  const { httpVersionMajor: major, httpVersionMinor: minor } = req.raw;
  if (req.headers.host !== undefined || major < 1 || (major === 1 && minor < 1)) return null;
  return new AppError('VALIDATION_FAILED', 'The Host header is required (HTTP/1.1)');
}

export function registerRequestGuards(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    done(missingHostOf(req) ?? undefined);
  });
  // Callback style, like the app's other per-request hooks: an async hook costs a promise per request.
  app.addHook('preHandler', (req, _reply, done) => {
    const problem = inputProblemOf(req);
    done(problem ?? undefined);
  });
}
