/**
 * Start-up failures (issue #11): each is one line on stderr and exit code 1, found before anything
 * later is opened. The gateway is spawned as a user starts it and asserted on its message and exit code.
 */
import { writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCipher } from '../../src/platform/crypto.js';
import {
  freePort,
  preparedDatabase,
  refusingPostgres,
  spawnGateway,
  tempDir,
} from '../helpers/gateway-process.js';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const dir = (prefix: string) => {
  const d = tempDir(prefix);
  cleanups.push(() => d.remove());
  return d.path;
};

/** Runs a gateway expected to refuse: exit code 1 and exactly one line of output. */
async function refusal(env: Record<string, string>, cwd?: string): Promise<string> {
  const g = spawnGateway(env, cwd);
  // A gateway that starts when it should have refused must not outlive the test (it kept running after a
  // timed-out case, on its port and database).
  cleanups.push(() => g.child.exitCode === null && g.child.signalCode === null && g.child.kill('SIGKILL'));
  const code = await g.exit;
  const lines = g.output().trim().split('\n');
  expect({ code, lines: lines.length }, g.output()).toEqual({ code: 1, lines: 1 });
  expect(lines[0]).toMatch(/^gateway: cannot start: /);
  expect(g.output()).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0]!;
}

// Each case spawns a process (tsx compiles on the fly); the last two also open a database.
describe('start-up failures, one line each, exit 1', { timeout: 120_000 }, () => {
  it('names a malformed .env line by number', async () => {
    const cwd = dir('gw-env-');
    writeFileSync(join(cwd, '.env'), '# settings\nPORT=8080\nLOG_LEVEL debug\n');
    expect(await refusal({}, cwd)).toContain('.env line 3: expected NAME=value');
  });

  it('refuses an unbalanced quote in .env rather than keeping it in the value', async () => {
    const cwd = dir('gw-env-');
    writeFileSync(join(cwd, '.env'), 'ADDON_NAME="My Gateway\n');
    expect(await refusal({}, cwd)).toContain(
      '.env line 1: the value of ADDON_NAME opens a " quote that is not closed',
    );
  });

  it('explains a PORT that is not a port number', async () => {
    expect(await refusal({ PORT: 'eighty' })).toContain(
      'PORT: must be a port number from 0 to 65535 (got "eighty")',
    );
  });

  it('reports a port in use before opening the data folder, after the production warnings', async () => {
    const taken = createServer();
    const port = await new Promise<number>((r) =>
      taken.listen(0, '127.0.0.1', () => r((taken.address() as { port: number }).port)),
    );
    cleanups.push(() => new Promise((r) => taken.close(r)));
    const dataDir = join(dir('gw-port-'), 'data');
    const g = spawnGateway({
      PORT: String(port),
      DATA_DIR: dataDir,
      NODE_ENV: 'production',
      ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      PUBLIC_BASE_URL: 'http://gateway.example.com',
    });
    expect(await g.exit).toBe(1);
    const out = g.output();
    expect(out).toContain(`gateway: cannot start: port ${port} on 127.0.0.1 is in use`);
    expect(out).toContain('NODE_ENV=production with the embedded database');
    expect(out).toContain('NODE_ENV=production with an http: PUBLIC_BASE_URL');
    expect(existsSync(dataDir)).toBe(false); // nothing opened
  });

  it('reports an unreachable database with the password masked', async () => {
    const port = await freePort();
    const line = await refusal({ DATABASE_URL: `postgresql://gw:s3cret@127.0.0.1:${port}/gw` });
    expect(line).toContain(`database unreachable at postgresql://gw:***@127.0.0.1:${port}/gw (ECONNREFUSED)`);
    expect(line).not.toContain('s3cret');
  });

  it.each([
    ['28P01', 'password authentication failed for user "gw"', 'database authentication failed'],
    ['3D000', 'database "gw" does not exist', 'database missing'],
    ['28000', 'role "gw" does not exist', 'database refused the role'],
  ])('reports a server answering %s in words, password masked', async (state, message, words) => {
    const pgFake = await refusingPostgres(state, message);
    cleanups.push(() => new Promise((r) => pgFake.server.close(r)));
    const line = await refusal({ DATABASE_URL: `postgresql://gw:s3cret@127.0.0.1:${pgFake.port}/gw` });
    expect(line).toContain(`${words} at postgresql://gw:***@127.0.0.1:${pgFake.port}/gw (${message})`);
    expect(line).not.toContain('s3cret');
  });

  it('names a migration that fails', async () => {
    // The migration that creates gateway_meta looks pending although its table exists: applying it again
    // fails. (Not simply the last migration: a later one may apply twice without error.)
    const db = await preparedDatabase(dir('gw-mig-'), async (query) => {
      await query(`DELETE FROM "_prisma_migrations" WHERE migration_name LIKE '%gateway_meta'`);
      await query(`CREATE TABLE IF NOT EXISTS gateway_meta (key text PRIMARY KEY, value text NOT NULL)`);
    });
    cleanups.push(() => db.drop());
    const line = await refusal({ ...db.env, PORT: String(await freePort()) });
    expect(line).toMatch(/migration \d{14}_gateway_meta failed: .*already exists/);
  });

  it('refuses an ENCRYPTION_KEY that does not decrypt the existing data, and says what to do', async () => {
    const written = createCipher(Buffer.alloc(32, 1));
    const db = await preparedDatabase(dir('gw-key-'), async (query) => {
      await query(`INSERT INTO gateway_meta (key, value) VALUES ('key_check', $1)`, [
        written.encrypt('clockify-webhook-gateway key check v1'),
      ]);
    });
    cleanups.push(() => db.drop());
    const line = await refusal({
      ...db.env,
      PORT: String(await freePort()),
      ENCRYPTION_KEY: Buffer.alloc(32, 2).toString('base64'),
    });
    expect(line).toContain('the encryption key (ENCRYPTION_KEY) does not decrypt the data in this database');
    expect(line).toContain('start with the key the data was written with');
  });
});
