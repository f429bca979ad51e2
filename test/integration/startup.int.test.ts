import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../src/deps.js';
import type { Database } from '../../src/store/database.js';
import { type TestApp, buildTestApp, testConfig } from '../helpers/build-test-app.js';
import { createTestDatabase } from '../helpers/database.js';

const log = pino({ level: 'silent' });

describe('encryption key for the embedded default', () => {
  let db: Database;
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-key-'));
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is generated once into the data dir with mode 0600 and reused after a restart', async () => {
    const config = { ...testConfig({ ENCRYPTION_KEY: '' }), dataDir };
    expect(config.encryptionKey).toBeNull();
    const first = await createDeps(config, { database: db, logger: log });
    const file = join(dataDir, 'encryption.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8');
    expect(Buffer.from(key.trim(), 'base64')).toHaveLength(32);
    await first.close();

    const second = await createDeps(config, { database: db, logger: log });
    expect(readFileSync(file, 'utf8')).toBe(key);
    await second.close();
  });
});

describe('readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('answers 200 when migrated and 503 NOT_READY when a migration is pending', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const [row] = await t.db.sql.query<{ id: string; migration_name: string }>(
      'SELECT id, migration_name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1',
    );
    await t.db.sql.query('UPDATE "_prisma_migrations" SET finished_at = NULL WHERE id = $1', [row!.id]);
    try {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({
        code: 'NOT_READY',
        message: expect.stringContaining(row!.migration_name),
      });
    } finally {
      await t.db.sql.query('UPDATE "_prisma_migrations" SET finished_at = now() WHERE id = $1', [row!.id]);
    }
  });
});
