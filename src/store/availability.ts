/**
 * Telling "the database is unavailable for a while" apart from every other database error, wherever the
 * error comes from (node-postgres, PGlite, Prisma and its driver adapters). Such errors are the server's
 * temporary condition: HTTP answers 503 with Retry-After (src/http/plugins/error-handler.ts), jobs retry.
 */

/** Socket-level failures: the server is down, restarting, unreachable, or the connection was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
]);

/**
 * SQLSTATEs of a server that cannot serve now: class 08 (connection exception), 57P01–57P03 (shutting
 * down, terminated by an administrator, cannot connect now), 53300 (too many connections), 57014 (a
 * statement cancelled by our statement_timeout), 53xxx insufficient resources.
 */
const isUnavailableSqlState = (s: string) =>
  s.startsWith('08') ||
  s === '57P01' ||
  s === '57P02' ||
  s === '57P03' ||
  s === '57014' ||
  s.startsWith('53');

/** Prisma's codes for the same conditions (reach, timeouts, closed connection, pool or transaction waits). */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** node-postgres and PGlite say these in words only. */
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Query read timeout|Cannot use a pool after calling end|PGlite is closed|Connection closed|Unable to start a transaction in the given time|terminating connection due to administrator command|not currently accepting connections|the database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    const o = e as {
      code?: unknown;
      message?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
      cause?: unknown;
      kind?: unknown;
      originalCode?: unknown;
      originalMessage?: unknown;
    };
    const code = typeof o.code === 'string' ? o.code : undefined;
    if (code !== undefined) {
      if (SOCKET_CODES.has(code) || PRISMA_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && !/^P\d{4}$/.test(code) && isUnavailableSqlState(code)) return true;
    }
    const adapter = o.meta?.driverAdapterError?.cause;
    for (const k of [adapter?.kind, o.kind]) if (typeof k === 'string' && ADAPTER_KINDS.has(k)) return true;
    for (const c of [adapter?.originalCode, o.originalCode]) {
      if (typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c) && isUnavailableSqlState(c)) return true;
    }
    for (const m of [
      o.message,
      o.originalMessage,
      (adapter as { originalMessage?: unknown } | undefined)?.originalMessage,
    ])
      if (typeof m === 'string' && MESSAGES.test(m)) return true;
    e = o.cause ?? adapter;
    if (e === o) break;
  }
  return false;
}

/** Seconds a client should wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_S = 5;
