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

export type DatabaseTarget =
  { kind: 'embedded'; dataDir: string } | { kind: 'server'; url: string; poolSize?: number };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'embedded'
    ? openEmbedded(target.dataDir)
    : openServer(target.url, target.poolSize ?? 10);
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

export async function openServer(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
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
