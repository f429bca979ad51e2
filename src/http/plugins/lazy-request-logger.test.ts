import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { lazyRequestLogger } from './lazy-request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level, redact: ['secret'] }, stream), lines };
}

describe('lazy request logger', () => {
  it('builds no child while nothing is logged at an enabled level', () => {
    const { logger, lines } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const log = lazyRequestLogger(logger, { reqId: 'req_1' }, {});
    log.info('incoming request');
    log.debug('detail');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('warn');
  });

  it('logs with the request bindings (and redaction) once a line is enabled, building the child once', () => {
    const { logger, lines } = capture('info');
    const child = vi.spyOn(logger, 'child');
    const log = lazyRequestLogger(logger, { reqId: 'req_2' }, {});
    log.info({ secret: 's3cr3t' }, 'request completed');
    log.error('boom');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.reqId, l.msg, l.secret])).toEqual([
      ['req_2', 'request completed', '[Redacted]'],
      ['req_2', 'boom', undefined],
    ]);
  });

  it('honours a route log level and level changes', () => {
    const { logger, lines } = capture('info');
    const log = lazyRequestLogger(logger, { reqId: 'req_3' }, { level: 'error' });
    log.warn('dropped');
    log.level = 'debug';
    log.debug('kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
    expect(log.child({ a: 1 }).level).toBe('debug');
  });
});
