import type { LoggerOptions } from 'pino';

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
