import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';

const io = { readFile: () => '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n', cwd: '/srv/gw' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, io);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('outbound HTTP settings', () => {
  it('default to https only, public addresses only, the usual ports, and bounded calls', () => {
    expect(loadConfig({}, io).outbound).toEqual({
      allowCidrs: [],
      allowHttp: false,
      allowedPorts: [80, 443, 8080, 8443],
      connectTimeoutMs: 5_000,
      timeoutMs: 15_000,
      maxRequestBytes: 1_048_576,
      maxResponseBytes: 262_144,
      maxHeaders: 64,
      maxHeaderBytes: 16_384,
    });
  });

  it('reads an allow-list, plain http, ports, timeouts and caps', () => {
    const c = loadConfig(
      {
        OUTBOUND_ALLOW_CIDRS: '127.0.0.1, 10.20.0.0/16, ::1',
        OUTBOUND_ALLOW_HTTP: 'true',
        OUTBOUND_ALLOWED_PORTS: '443,9000',
        OUTBOUND_CONNECT_TIMEOUT_MS: '1000',
        OUTBOUND_TIMEOUT_MS: '2000',
        OUTBOUND_MAX_REQUEST_BYTES: '2048',
        OUTBOUND_MAX_RESPONSE_BYTES: '4096',
        OUTBOUND_MAX_HEADERS: '10',
        OUTBOUND_MAX_HEADER_BYTES: '2048',
      },
      io,
    );
    expect(c.outbound).toEqual({
      allowCidrs: ['127.0.0.1/32', '10.20.0.0/16', '::1/128'],
      allowHttp: true,
      allowedPorts: [443, 9000],
      connectTimeoutMs: 1_000,
      timeoutMs: 2_000,
      maxRequestBytes: 2_048,
      maxResponseBytes: 4_096,
      maxHeaders: 10,
      maxHeaderBytes: 2_048,
    });
    expect(loadConfig({ OUTBOUND_ALLOWED_PORTS: '*', OUTBOUND_ALLOW_HTTP: '' }, io).outbound).toMatchObject({
      allowedPorts: 'any',
      allowHttp: false,
    });
  });

  it('reports every bad outbound setting at once', () => {
    const problems = problemsOf({
      OUTBOUND_ALLOW_CIDRS: '10.0.0.0/8, intranet',
      OUTBOUND_ALLOW_HTTP: 'maybe',
      OUTBOUND_ALLOWED_PORTS: '443,0',
      OUTBOUND_TIMEOUT_MS: '10',
      OUTBOUND_MAX_HEADERS: '0',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'OUTBOUND_ALLOWED_PORTS',
      'OUTBOUND_ALLOW_CIDRS',
      'OUTBOUND_ALLOW_HTTP',
      'OUTBOUND_MAX_HEADERS',
      'OUTBOUND_TIMEOUT_MS',
    ]);
    expect(problems.find((p) => p.startsWith('OUTBOUND_ALLOW_CIDRS'))).toContain('intranet');
    expect(problemsOf({ OUTBOUND_CONNECT_TIMEOUT_MS: '5000', OUTBOUND_TIMEOUT_MS: '1000' })).toEqual([
      'OUTBOUND_CONNECT_TIMEOUT_MS: must not exceed OUTBOUND_TIMEOUT_MS',
    ]);
  });
});
