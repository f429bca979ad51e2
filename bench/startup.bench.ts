/**
 * Start-up time: from spawning `npm start` to GET /readyz answering 200, on the embedded database.
 * "first" creates the database in an empty DATA_DIR (initdb + migrations); "restart" reopens it.
 *
 *   npm run bench:startup [-- --runs 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

async function startOnce(dataDir: string, port: number): Promise<number> {
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: 'ignore',
    detached: true,
  });
  try {
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error('not ready within 60 s');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    // npm exits before the gateway it started: wait until nothing answers on the port any more.
    for (;;) {
      try {
        await fetch(`http://127.0.0.1:${port}/healthz`);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break;
      }
    }
  }
}

const first: number[] = [];
const restart: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-startup-'));
  const port = 21_000 + i;
  try {
    first.push(await startOnce(join(dir, 'data'), port));
    restart.push(await startOnce(join(dir, 'data'), port));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const fmt = (xs: number[]) =>
  `min ${Math.min(...xs).toFixed(0)} ms, median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
console.log(`startup to /readyz 200 (npm start, embedded database, ${runs} runs)`);
console.log(`  first start (creates ./data): ${fmt(first)}   target < 8000 ms`);
console.log(`  restart (existing ./data):    ${fmt(restart)}   target < 3000 ms`);
