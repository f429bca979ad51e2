import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn } from 'pino';

const LEVEL_VALUES: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};
type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const noop: LogFn = () => undefined;

/**
 * Fastify's per-request logger (`req.log`), created only when the request logs something at an enabled
 * level. A pino child is built eagerly by default, and with redaction configured that costs more than the
 * rest of a webhook request's bookkeeping; most requests log nothing above the configured level.
 * Bindings (the request id) are the same as the eager child's, so log lines do not change.
 */
export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  let level = options.level ?? parent.level;
  const real = (): FastifyBaseLogger => (child ??= parent.child(bindings, { ...options, level }));
  const threshold = () => LEVEL_VALUES[level] ?? Number.POSITIVE_INFINITY; // 'silent' and unknown: nothing
  const method =
    (name: Method): LogFn =>
    (...args: Parameters<LogFn>) => {
      if (LEVEL_VALUES[name]! >= threshold()) real()[name](...args);
    };

  const logger: FastifyBaseLogger = {
    get level() {
      return child?.level ?? level;
    },
    set level(value: string) {
      level = value;
      if (child !== undefined) child.level = value;
    },
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
    silent: noop,
    child: (b, o) => real().child(b, o),
  };
  return logger;
}
