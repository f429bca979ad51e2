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

describe('loadConfig', () => {
  it('starts with safe local defaults and the embedded database', () => {
    const c = loadConfig({}, io);
    expect(c).toMatchObject({
      env: 'development',
      http: { host: '127.0.0.1', port: 8080 },
      database: { kind: 'embedded', dataDir: '/srv/gw/data/pglite' },
      publicBaseUrl: 'http://localhost:8080',
      encryptionKey: null,
      addon: { key: 'webhook-gateway' },
      worker: { concurrency: 4, outboundConcurrency: 128, retention: { succeededDays: 7, deadDays: 30 } },
    });
  });

  it('gives delivery attempts their own slots, 1–1 024', () => {
    expect(loadConfig({ DELIVERY_CONCURRENCY: '300' }, io).worker.outboundConcurrency).toBe(300);
    expect(
      ['0', '1025', '2.5', 'many'].map((v) =>
        problemsOf({ DELIVERY_CONCURRENCY: v }).map((p) => p.split(':')[0]),
      ),
    ).toEqual([
      ['DELIVERY_CONCURRENCY'],
      ['DELIVERY_CONCURRENCY'],
      ['DELIVERY_CONCURRENCY'],
      ['DELIVERY_CONCURRENCY'],
    ]);
  });

  it('keeps finished jobs for whole days, at least one', () => {
    expect(
      loadConfig({ JOB_RETENTION_DAYS: '2', JOB_DEAD_RETENTION_DAYS: '90' }, io).worker.retention,
    ).toEqual({
      succeededDays: 2,
      deadDays: 90,
    });
    expect(
      problemsOf({ JOB_RETENTION_DAYS: '0', JOB_DEAD_RETENTION_DAYS: '1.5' }).map((p) => p.split(':')[0]),
    ).toEqual(['JOB_RETENTION_DAYS', 'JOB_DEAD_RETENTION_DAYS']);
  });

  it('maintains the database itself where nothing else does, unless told otherwise; refuses other values', () => {
    expect(loadConfig({}, io).databaseMaintenance).toEqual({ mode: 'auto', intervalMs: 10_000 });
    expect(
      loadConfig({ DB_MAINTENANCE: 'off', DB_MAINTENANCE_INTERVAL_MS: '60000' }, io).databaseMaintenance,
    ).toEqual({ mode: 'off', intervalMs: 60_000 });
    expect(
      problemsOf({ DB_MAINTENANCE: 'sometimes', DB_MAINTENANCE_INTERVAL_MS: '10' }).map(
        (p) => p.split(':')[0],
      ),
    ).toEqual(['DB_MAINTENANCE', 'DB_MAINTENANCE_INTERVAL_MS']);
  });

  it('uses a PostgreSQL server when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/gw' }, io).database).toEqual({
      kind: 'server',
      url: 'postgresql://u@db:5432/gw',
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 30_000,
    });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      ADDON_KEY: 'a',
      ENCRYPTION_KEY: 'short',
      PUBLIC_BASE_URL: 'not a url',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining([
        'PORT',
        'LOG_LEVEL',
        'DATABASE_URL',
        'ADDON_KEY',
        'ENCRYPTION_KEY',
        'PUBLIC_BASE_URL',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('refuses production without an encryption key and a public base URL', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'ENCRYPTION_KEY: required when NODE_ENV=production',
      'PUBLIC_BASE_URL: required when NODE_ENV=production',
    ]);
    const key = Buffer.alloc(32, 1).toString('hex');
    expect(
      loadConfig(
        { NODE_ENV: 'production', ENCRYPTION_KEY: key, PUBLIC_BASE_URL: 'https://gw.example.com/' },
        io,
      ),
    ).toMatchObject({
      publicBaseUrl: 'https://gw.example.com',
      encryptionKey: Buffer.alloc(32, 1),
    });
  });

  it('takes the Clockify public key as PEM text or as a file path', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\\nxyz\\n-----END PUBLIC KEY-----';
    expect(loadConfig({ CLOCKIFY_PUBLIC_KEY: pem }, io).clockifyPublicKeyPem).toContain('\nxyz\n');
    const missing = {
      readFile: () => {
        throw new Error('ENOENT');
      },
      cwd: '/',
    };
    expect(() => loadConfig({ CLOCKIFY_PUBLIC_KEY: 'nope.pem' }, missing)).toThrow(
      /cannot read PEM file nope.pem/,
    );
  });
});
