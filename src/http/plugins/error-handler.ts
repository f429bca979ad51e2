import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, errorEnvelope, sqlStateOf } from '../../platform/errors.js';
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from '../../store/availability.js';
import { lingerBeforeClose } from '../client-error.js';

/** Fastify's own error codes that are the client's fault, mapped into our catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

/**
 * PostgreSQL "data exception" codes that only a client's input can cause here: a NUL byte or invalid
 * UTF-8 in a string, a value too long for its column, text that is not a valid number or date.
 */
const CLIENT_DATA_SQLSTATES = new Set(['22021', '22P05', '22001', '22P02', '22007', '22008']);

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const sqlState = sqlStateOf(err);
  if (sqlState !== undefined && CLIENT_DATA_SQLSTATES.has(sqlState)) {
    return new AppError(
      'VALIDATION_FAILED',
      'A value contains characters or a format that cannot be stored (e.g. a NUL byte)',
      {
        cause: err,
      },
    );
  }
  // An outage is our temporary condition, not a fault: 503 with Retry-After (set by the handler below).
  if (isDatabaseUnavailable(err)) {
    return new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly', { cause: err });
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      path: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
      message: v.message ?? 'invalid',
    }));
    const first = issues[0];
    return new AppError('VALIDATION_FAILED', first ? `${first.path}: ${first.message}` : 'Invalid request', {
      details: { issues },
      cause: err,
    });
  }
  if (isResponseSerializationError(err))
    return new AppError('INTERNAL', 'Response did not match its schema', { cause: err });
  const fe = err as Partial<FastifyError>;
  if (typeof fe.code === 'string' && fe.code in FASTIFY_CODES) {
    return new AppError(FASTIFY_CODES[fe.code]!, fe.message ?? 'Bad request', { cause: err });
  }
  // Other 4xx raised by Fastify or its plugins (e.g. malformed URL) stay client errors.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode =
      fe.statusCode === 413
        ? 'PAYLOAD_TOO_LARGE'
        : fe.statusCode === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : fe.statusCode === 404
            ? 'NOT_FOUND'
            : 'VALIDATION_FAILED';
    return new AppError(code, fe.message ?? 'Bad request', { cause: err });
  }
  return new AppError('INTERNAL', 'Internal error', { cause: err });
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    if (e.code === 'PAYLOAD_TOO_LARGE') {
      // The sender may still be writing the body: answer, then drain (bounded) before closing, so it
      // reads the 413 rather than a connection reset (docs/ingestion.md, "Limits").
      reply.header('connection', 'close');
      lingerBeforeClose(req.raw.socket);
    }
    const serverFault = e.status >= 500;
    if (e.code === 'SERVICE_UNAVAILABLE') {
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
      req.log.warn({ code: e.code, reason: (err as Error).message }, 'database unavailable');
    } else if (serverFault) req.log.error({ err, code: e.code }, 'request failed');
    else req.log.warn({ code: e.code, reason: e.message }, 'request rejected');
    return reply
      .status(e.status)
      .send(
        errorEnvelope(
          e.code,
          serverFault && e.code === 'INTERNAL' ? 'Internal error' : e.message,
          req.id,
          serverFault ? undefined : e.details,
        ),
      );
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send(errorEnvelope('NOT_FOUND', `Route ${req.method} ${req.url.split('?')[0]} not found`, req.id)),
  );
}
