/**
 * Start-up time and memory, from spawning the process to GET /readyz answering 200, on the embedded
 * database, beside the floor measured in the same run (bench/startup-floor.ts: only PGlite on the same
 * kind of folder and a Fastify listen). Both are started the same way (node --import tsx), so the
 * difference is what the gateway adds. "first" creates the database in an empty DATA_DIR; "restart"
 * reopens it. Targets (issue #11): restart ≤ floor + 1 s, first start ≤ floor + 2 s, RSS ≤ floor + 100 MB.
 * It reports in words and exits 0; it fails only when a process does not get ready at all.
 *
 *   npm run bench:startup [-- --runs 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2' } } });
const runs = Math.max(1, Number(values.runs));
const TSX = import.meta.resolve('tsx');

type Sample = { ms: number; rssMb: number };

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function startOnce(script: string, dataDir: string, port: number): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', TSX, resolve(script)], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (;;) {
      if (performance.now() - started > 180_000) throw new Error(`${script} not ready within 180 s`);
      if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) return { ms: performance.now() - started, rssMb: rssMb(child.pid!) };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, { first: Sample[]; restart: Sample[] }> = {
  floor: { first: [], restart: [] },
  gateway: { first: [], restart: [] },
};
let port = 21_000 + Math.floor(Math.random() * 1_000);
for (let i = 0; i < runs; i++) {
  // Alternate which goes first, so a busy moment of the machine does not always hit the same one.
  const order = i % 2 === 0 ? (['floor', 'gateway'] as const) : (['gateway', 'floor'] as const);
  for (const which of order) {
    const dir = mkdtempSync(join(tmpdir(), `gw-startup-${which}-`));
    const script = which === 'floor' ? 'bench/startup-floor.ts' : 'src/main.ts';
    try {
      results[which]!.first.push(await startOnce(script, join(dir, 'data'), port++));
      results[which]!.restart.push(await startOnce(script, join(dir, 'data'), port++));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const line = (what: 'first' | 'restart', budgetMs: number) => {
  const f = median(results.floor![what].map((x) => x.ms));
  const g = median(results.gateway![what].map((x) => x.ms));
  const d = g - f;
  const verdict = d <= budgetMs ? 'within' : 'OVER';
  return `  ${what === 'first' ? 'first start (creates the database)' : 'restart (existing database)     '}  gateway ${s(g)}  floor ${s(f)}  difference ${d >= 0 ? '+' : ''}${s(d)}  (target ≤ +${s(budgetMs)}: ${verdict})`;
};
const rf = median(results.floor!.restart.map((x) => x.rssMb));
const rg = median(results.gateway!.restart.map((x) => x.rssMb));
console.log(`start-up to /readyz 200, embedded database, node --import tsx, median of ${runs} run(s) each`);
console.log(line('first', 2_000));
console.log(line('restart', 1_000));
console.log(
  `  RSS right after a restart              gateway ${rg.toFixed(0)} MB  floor ${rf.toFixed(0)} MB  difference +${(rg - rf).toFixed(0)} MB  (target ≤ +100 MB: ${rg - rf <= 100 ? 'within' : 'OVER'})`,
);
console.log(
  `  all samples (ms): gateway first ${results.gateway!.first.map((x) => x.ms.toFixed(0)).join(', ')}; restart ${results.gateway!.restart.map((x) => x.ms.toFixed(0)).join(', ')}; floor first ${results.floor!.first.map((x) => x.ms.toFixed(0)).join(', ')}; restart ${results.floor!.restart.map((x) => x.ms.toFixed(0)).join(', ')}`,
);
