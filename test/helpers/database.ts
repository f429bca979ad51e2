import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openEmbedded, openServer } from '../../src/store/database.js';
import { withDatabase } from '../setup/global-setup.js';

let seq = 0;

/**
 * A fresh, migrated database for one test file: a clone of the run's template on the server when
 * DATABASE_URL is set, otherwise an in-memory PGlite loaded from the migrated dump.
 * Call `close()` in afterAll; it also drops the server database.
 */
export type TestDatabase = Database & {
  /** A second client (own Prisma client; own pool on a server) on the same database, as another instance would have. */
  openAnother(): Promise<Database>;
};

export async function createTestDatabase(): Promise<TestDatabase> {
  const target = inject('database');
  if (target.kind === 'embedded') {
    const blob = new Blob([readFileSync(target.dumpFile)]);
    const client = await PGlite.create({ loadDataDir: blob });
    const db = await openEmbedded('memory://', client);
    return {
      ...db,
      // PGlite has one connection; a second Prisma client on it still exercises the shared-state path.
      openAnother: () => openEmbedded('memory://', client),
      async close() {
        await db.close();
        await client.close();
      },
    };
  }
  const name = `${target.template}_f${process.pid}_${seq++}`;
  const admin = new pg.Client({ connectionString: target.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${target.template}`);
  } finally {
    await admin.end();
  }
  const db = await openServer(withDatabase(target.url, name), 5);
  return {
    ...db,
    openAnother: () => openServer(withDatabase(target.url, name), 5),
    async close() {
      await db.close();
      const a = new pg.Client({ connectionString: target.url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
