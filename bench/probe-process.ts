/**
 * A reference for bench:flows' quiet-neighbour phases, in a process of its own: one `SELECT 1` round trip
 * to the benchmark's database every 20 ms on a connection of its own. What one round trip costs on this
 * machine alone and while the flood keeps both cores busy bounds how little any pipeline of round trips
 * (a quiet event's execution is about ten) can be slowed by a neighbour here.
 *
 *   const probe = await startProbeProcess(url);
 *   await probe.start(); …; const ms = await probe.stop();   // the round trips since start, ms
 */
import pg from 'pg';
import { forkChild } from './child-process.js';

type FromChild = { type: 'ready' } | { type: 'start' } | { type: 'stop'; ms: number[] };

export async function startProbeProcess(url: string) {
  const child = forkChild<FromChild>(import.meta.url, [url]);
  await child.next('ready');
  return {
    start: async (): Promise<void> => void (await child.ask('start')),
    stop: async (): Promise<number[]> => (await child.ask('stop')).ms,
    close: () => child.close(),
  };
}

if (process.argv[2] === '--child') {
  const client = new pg.Client({ connectionString: process.argv[3] });
  await client.connect();
  let samples = null as number[] | null;
  let closing = false;
  const loop = (async () => {
    while (!closing) {
      const t = performance.now();
      await client.query('SELECT 1');
      samples?.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  process.send!({ type: 'ready' });
  process.on('message', (m: { type: 'start' | 'stop' | 'close' }) => {
    if (m.type === 'start') {
      samples = [];
      process.send!({ type: 'start' });
    } else if (m.type === 'stop') {
      process.send!({ type: 'stop', ms: samples ?? [] });
      samples = null;
    } else {
      closing = true;
      void loop.then(() => client.end()).then(() => process.exit(0));
    }
  });
}
