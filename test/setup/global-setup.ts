/**
 * Runs once per test run. Migrates one template database, so each test file gets a fresh, migrated
 * database in well under a second (graphile-worker's approach):
 * - DATABASE_URL set: a template database on the server, cloned per file with CREATE DATABASE … TEMPLATE;
 * - otherwise: a migrated PGlite, dumped to a file each test file loads from.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openEmbedded, openServer } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    database: { kind: 'embedded'; dumpFile: string } | { kind: 'server'; url: string; template: string };
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL?.trim();
  if (url) {
    const template = `gw_tpl_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    const db = await openServer(withDatabase(url, template), 2);
    await migrate(db.sql);
    await db.close();
    project.provide('database', { kind: 'server', url, template });
    return async () => {
      // Test files drop their own databases; sweep any a crashed file left behind.
      const { rows } = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1`,
        [`${template}_f%`],
      );
      for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await admin.end();
    };
  }

  const dir = mkdtempSync(join(tmpdir(), 'gw-test-'));
  const client = await PGlite.create();
  const db = await openEmbedded('memory://', client);
  await migrate(db.sql);
  const dumpFile = join(dir, 'template.tar');
  writeFileSync(dumpFile, Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer()));
  await db.close();
  await client.close();
  project.provide('database', { kind: 'embedded', dumpFile });
  return () => rmSync(dir, { recursive: true, force: true });
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
