import pino, { type Logger, type LoggerOptions } from 'pino';

/** Paths are redacted wherever they appear, so a secret never depends on someone remembering to omit it. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-addon-token"]',
  'req.headers["x-addon-lifecycle-token"]',
  'req.headers["clockify-signature"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-addon-token"]',
  '*.authToken',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.password',
  '*.encryptionKey',
];

/**
 * The process logger: JSON lines (for log collectors), or, when `pretty` (development in a terminal),
 * pino-pretty written synchronously on the main thread (no worker thread to start).
 */
export async function createLogger(level: string, opts: { pretty?: boolean } = {}): Promise<Logger> {
  if (opts.pretty !== true) return pino(loggerOptions(level));
  const { default: pretty } = await import('pino-pretty');
  return pino(
    loggerOptions(level),
    pretty({ sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Query strings can carry `auth_token` (Clockify iframes); never log them.
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        url: req.url.split('?')[0],
        id: req.id,
      }),
    },
  };
}
