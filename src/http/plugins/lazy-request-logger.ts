import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

const LEVEL_VALUES: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};
type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArgs = Parameters<FastifyBaseLogger['info']>;

/**
 * Fastify's per-request logger (`req.log`). The pino child is built only when the request logs something
 * at an enabled level: Fastify builds one eagerly by default, and with redaction configured that costs
 * more than the rest of a webhook request's bookkeeping, while most requests log nothing above the
 * configured level. Bindings (the request id) are the same as the eager child's, so log lines do not
 * change. A class, so a request costs one small object and no closures.
 */
class LazyRequestLogger {
  #child: FastifyBaseLogger | undefined;
  #level: string;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {
    this.#level = options.level ?? parent.level;
  }

  get level(): string {
    return this.#child?.level ?? this.#level;
  }
  set level(value: string) {
    this.#level = value;
    if (this.#child !== undefined) this.#child.level = value;
  }

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, { ...this.options, level: this.#level }));
  }
  #log(name: Method, args: LogArgs): void {
    // 'silent' and unknown levels: nothing is enabled.
    if (LEVEL_VALUES[name]! >= (LEVEL_VALUES[this.#level] ?? Number.POSITIVE_INFINITY))
      this.#real()[name](...args);
  }

  fatal(...args: LogArgs): void {
    this.#log('fatal', args);
  }
  error(...args: LogArgs): void {
    this.#log('error', args);
  }
  warn(...args: LogArgs): void {
    this.#log('warn', args);
  }
  info(...args: LogArgs): void {
    this.#log('info', args);
  }
  debug(...args: LogArgs): void {
    this.#log('debug', args);
  }
  trace(...args: LogArgs): void {
    this.#log('trace', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(parent, bindings, options);
}
