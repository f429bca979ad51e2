import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function startGateway(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

// A first start on the embedded database creates it (10–30 s on a quiet machine, more when other test
// files run beside it): as in data-dir-lock.int.test.ts, a minute to be ready.
describe('the gateway process', { timeout: 120_000 }, () => {
  it('starts on the embedded database, serves /readyz, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gw-proc-'));
    dirs.push(dataDir);
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const { child, output } = startGateway({ DATA_DIR: dataDir, PORT: port, DATABASE_URL: '' });
    try {
      await waitFor(() => output().includes('gateway ready'), { timeoutMs: 60_000, what: 'gateway ready' });
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(output()).toContain('"msg":"stopped"');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses to start with bad configuration and lists every problem', async () => {
    const { child, output } = startGateway({
      NODE_ENV: 'production',
      PORT: 'x',
      ENCRYPTION_KEY: '',
      PUBLIC_BASE_URL: '',
    });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toContain('PORT:');
    expect(output()).toContain('ENCRYPTION_KEY: required when NODE_ENV=production');
    expect(output()).toContain('PUBLIC_BASE_URL: required when NODE_ENV=production');
  });
});
