import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from '../setup/global-setup.js';

/** The gateway as a user starts it (`tsx src/main.ts`), from any working directory. */
export const MAIN = resolve('src/main.ts');
const TSX = import.meta.resolve('tsx');
export const PUBLIC_KEY = resolve('keys/clockify-public-key.pem');

export type GatewayProcess = { child: ChildProcess; output: () => string; exit: Promise<number | null> };

export function spawnGateway(env: Record<string, string>, cwd = process.cwd()): GatewayProcess {
  let out = '';
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      ENCRYPTION_KEY: '',
      PUBLIC_BASE_URL: '',
      CLOCKIFY_PUBLIC_KEY: PUBLIC_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exit };
}

export const freePort = (): Promise<number> =>
  new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A migrated database the spawned gateway can open, with `prepare` run on it first: a PGlite folder
 * (DATA_DIR/pglite) loaded from the run's template, or a database cloned from the server's template.
 * Returns the environment that points a gateway at it.
 */
export async function preparedDatabase(
  dataDir: string,
  prepare: (query: (sql: string, params?: unknown[]) => Promise<unknown>) => Promise<void>,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const target = inject('database');
  if (target.kind === 'embedded') {
    const client = await PGlite.create(join(dataDir, 'pglite'), {
      loadDataDir: new Blob([readFileSync(target.dumpFile)]),
    });
    await prepare((sql, params) => client.query(sql, params));
    await client.close();
    return { env: { DATA_DIR: dataDir, DATABASE_URL: '' }, drop: async () => undefined };
  }
  const name = `${target.template}_sp${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: target.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${target.template}`);
  await admin.end();
  const url = withDatabase(target.url, name);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await prepare((sql, params) => c.query(sql, params));
  await c.end();
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url },
    async drop() {
      const a = new pg.Client({ connectionString: target.url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * A server that speaks just enough of PostgreSQL's protocol to refuse every connection with `sqlState`
 * (e.g. 28P01 authentication failed): the failures a trust-configured test server cannot produce.
 */
export function refusingPostgres(
  sqlState: string,
  message: string,
): Promise<{ port: number; server: Server }> {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t), Buffer.from(v + '\0')]);
  const body = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', sqlState),
    field('M', message),
    Buffer.from([0]),
  ]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  const packet = Buffer.concat([Buffer.from('E'), len, body]);
  const server = createServer((socket) => {
    socket.once('data', () => socket.end(packet));
    socket.on('error', () => undefined);
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r({ port: (server.address() as { port: number }).port, server })),
  );
}
