import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from './migrate.js';
import { binaryByteaArray, binaryTextArray } from './pg-binary-array.js';

export type Db = PrismaClient;

/** Plain SQL, plus what a hot batched statement needs (the ingest batch). */
export type Sql = SqlRunner & {
  /**
   * Runs a statement that is prepared once per connection under `name` on a server, so it is parsed and
   * planned once rather than on every call. PGlite runs it as it is.
   */
  prepared<T>(name: string, text: string, params: unknown[]): Promise<T[]>;
  /** An array parameter in the form the driver ships cheapest: binary on a server, a JS array on PGlite. */
  textArray(values: readonly (string | null)[]): unknown;
  byteaArray(values: readonly Uint8Array[]): unknown;
};

export type Database = {
  kind: 'embedded' | 'server';
  prisma: PrismaClient;
  /** Plain SQL for the migration runner, health checks and the hot ingest statement. */
  sql: Sql;
  close(): Promise<void>;
};

export type ServerOptions = {
  poolSize?: number;
  /** Time to open a connection before giving up (pg's connectionTimeoutMillis). */
  connectTimeoutMs?: number;
  /** PostgreSQL's statement_timeout; the client also stops waiting a little later (query_timeout). 0: none. */
  statementTimeoutMs?: number;
};

export type DatabaseTarget =
  { kind: 'embedded'; dataDir: string } | ({ kind: 'server'; url: string } & ServerOptions);

/** The database could not be opened at start-up; the message is one line, the URL's password masked. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
}

/** Opens the configured database and proves it answers, turning the usual failures into one-line reasons. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'embedded') {
    try {
      return await openEmbedded(target.dataDir);
    } catch (err) {
      throw new DatabaseOpenError(
        `cannot open the embedded database in ${target.dataDir}: ${(err as Error).message ?? String(err)}`,
        { cause: err },
      );
    }
  }
  const db = await openServer(target.url, target.poolSize ?? 10, target);
  try {
    await db.sql.query('SELECT 1');
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new DatabaseOpenError(describeConnectFailure(err, target.url), { cause: err });
  }
}

/** `postgresql://user:***@host:5432/db`: never print a password. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

function describeConnectFailure(err: unknown, url: string): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const where = maskUrl(url);
  switch (code) {
    case '28P01':
      return `database authentication failed at ${where} (${message}): check the user and password in DATABASE_URL`;
    case '28000':
      return `database refused the role at ${where} (${message}): check the user in DATABASE_URL, or create the role`;
    case '3D000':
      return `database missing at ${where} (${message}): create it (createdb) or fix the database name in DATABASE_URL`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `database unreachable at ${where} (${code}): is the server running, and are DATABASE_URL's host and port right?`;
    default:
      if (/timeout/i.test(message)) {
        return `database unreachable at ${where} (no connection within DB_CONNECT_TIMEOUT_MS): is the server running and reachable?`;
      }
      return `cannot connect to the database at ${where}: ${message.replaceAll(url, where)}`;
  }
}

/** PGlite: real PostgreSQL compiled to WASM, one connection, data in a folder (or `memory://`). */
export async function openEmbedded(dataDir: string, existing?: PGlite): Promise<Database> {
  if (existing === undefined && !dataDir.startsWith('memory://'))
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const client = existing ?? (await PGlite.create(dataDir));
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  const sql: Sql = {
    query: async <T>(text: string, params: unknown[] = []) => (await client.query<T>(text, params)).rows,
    prepared: async <T>(_name: string, text: string, params: unknown[]) =>
      (await client.query<T>(text, params)).rows,
    textArray: (values) => values,
    byteaArray: (values) => values,
    transaction: (fn) =>
      client.transaction((tx) =>
        fn({
          query: async <T>(text: string, params: unknown[] = []) => (await tx.query<T>(text, params)).rows,
          exec: async (script: string) => {
            await tx.exec(script);
          },
        }),
      ),
  };
  return {
    kind: 'embedded',
    prisma,
    sql,
    async close() {
      await prisma.$disconnect();
      if (existing === undefined) await client.close();
    },
  };
}

export async function openServer(
  url: string,
  poolSize: number,
  options: ServerOptions = {},
): Promise<Database> {
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 0,
    keepAlive: true,
    ...(statementTimeoutMs > 0
      ? // The server cancels a slow statement; the client stops waiting for one that cannot even be cancelled.
        { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 2_000 }
      : {}),
  });
  // An idle client that loses its server emits 'error'; without a listener that would crash the process.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql: Sql = {
    query: async <T>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as T[],
    prepared: async <T>(name: string, text: string, values: unknown[]) =>
      (await pool.query({ name, text, values })).rows as T[],
    textArray: binaryTextArray,
    byteaArray: binaryByteaArray,
    async transaction(fn) {
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const result = await fn({
          query: async <T>(text: string, params: unknown[] = []) =>
            (await conn.query(text, params)).rows as T[],
          exec: async (script: string) => {
            await conn.query(script);
          },
        });
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    },
  };
  return {
    kind: 'server',
    prisma,
    sql,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
