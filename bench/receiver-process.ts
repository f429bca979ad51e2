/**
 * A webhook receiver in a process of its own, for bench:deliver: a receiver is never in the gateway's
 * process, and in it every delivery's request handling took the gateway's event loop.
 *
 *   const rx = await startReceiverProcess('ok' | 'flaky' | 'slow');
 *   rx.port; await rx.delivered();   // how many webhook-ids were answered 2xx at least once
 *   await rx.dump();                 // per webhook-id: the first arrival and the 2xx answers
 *
 * `ok` answers 200, `flaky` 500 and 200 in turn, `slow` 200 after 2 s. Times are epoch milliseconds with
 * sub-millisecond precision (performance.timeOrigin + performance.now()), comparable with the parent's.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forkChild } from './child-process.js';

export type ReceiverMode = 'ok' | 'flaky' | 'slow';
export const epochNow = (): number => performance.timeOrigin + performance.now();

type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'delivered'; n: number }
  | { type: 'dump'; first: [string, number][]; ok: [string, number][] };

export async function startReceiverProcess(mode: ReceiverMode) {
  const child = forkChild<FromChild>(import.meta.url, [mode]);
  const { port } = await child.next('ready');
  return {
    port,
    delivered: async (): Promise<number> => (await child.ask('delivered')).n,
    async dump(): Promise<{ first: Map<string, number>; ok: Map<string, number> }> {
      const d = await child.ask('dump');
      return { first: new Map(d.first), ok: new Map(d.ok) };
    },
    close: () => child.close(),
  };
}

if (process.argv[2] === '--child') {
  const mode = process.argv[3] as ReceiverMode;
  const first = new Map<string, number>();
  const ok = new Map<string, number>();
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? `floor-${n}`);
      if (!first.has(id)) first.set(id, epochNow());
      res.on('finish', () => {
        if (res.statusCode < 300) ok.set(id, (ok.get(id) ?? 0) + 1);
      });
      const i = n++;
      if (mode === 'slow') setTimeout(() => res.end('ok'), 2_000);
      else if (mode === 'flaky') {
        res.statusCode = i % 2 === 0 ? 500 : 200;
        res.end();
      } else res.end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () =>
    process.send!({ type: 'ready', port: (server.address() as AddressInfo).port }),
  );
  process.on('message', (m: { type: 'delivered' | 'dump' | 'close' }) => {
    if (m.type === 'delivered') process.send!({ type: 'delivered', n: ok.size });
    else if (m.type === 'dump') process.send!({ type: 'dump', first: [...first], ok: [...ok] });
    else {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
}
