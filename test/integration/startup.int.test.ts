import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../src/deps.js';
import { createCipher } from '../../src/platform/crypto.js';
import { verifyEncryptionKey } from '../../src/store/key-check.js';
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

describe('the encryption key check value (#11)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.close());

  it('is recorded on the first start, accepted with the same key, and refuses another key', async () => {
    const key = createCipher(Buffer.alloc(32, 3));
    expect(await verifyEncryptionKey(db.sql, key, 'ENCRYPTION_KEY')).toBe('recorded');
    expect(await verifyEncryptionKey(db.sql, createCipher(Buffer.alloc(32, 3)), 'ENCRYPTION_KEY')).toBe(
      'matches',
    );
    await expect(
      verifyEncryptionKey(db.sql, createCipher(Buffer.alloc(32, 4)), '/data/encryption.key'),
    ).rejects.toThrow(/encryption key \(\/data\/encryption.key\) does not decrypt the data/);
    const rows = await db.sql.query<{ key: string }>('SELECT key FROM gateway_meta');
    expect(rows).toEqual([{ key: 'key_check' }]);
  });
});
