/**
 * The fake Clockify in a process of its own, for benchmarks: a Clockify the gateway calls is never in the
 * gateway's process, and in it the fake's request handling took the gateway's event loop (bench:flows,
 * a CPU profile at saturation: ~7 % of the process's samples in tools/fake-clockify).
 *
 *   const fake = await startFakeClockifyProcess(options);   // createFakeClockify's options (JSON only)
 *   await fake.pull();   // copies the calls recorded since the last pull into fake.recorded
 *
 * Recorded calls carry `at` from Date.now() in the child: the same clock as the parent's Date.now().
 */
import { createFakeClockify } from '../tools/fake-clockify/server.js';
import { forkChild } from './child-process.js';

type Options = Parameters<typeof createFakeClockify>[0];
export type RecordedCall = { at: number; body: unknown };
type FromChild =
  { type: 'ready'; apiUrl: string; reportsUrl: string } | { type: 'pull'; calls: RecordedCall[] };

export async function startFakeClockifyProcess(options: Options) {
  const child = forkChild<FromChild>(import.meta.url, [JSON.stringify(options)]);
  const ready = await child.next('ready');
  const recorded: RecordedCall[] = [];
  return {
    apiUrl: ready.apiUrl,
    reportsUrl: ready.reportsUrl,
    recorded,
    async pull(): Promise<void> {
      recorded.push(...(await child.ask('pull')).calls);
    },
    close: () => child.close(),
  };
}

if (process.argv[2] === '--child') {
  const fake = await createFakeClockify(JSON.parse(process.argv[3]!) as Options);
  let sent = 0;
  process.on('message', (m: { type: 'pull' | 'close' }) => {
    if (m.type === 'pull') {
      const calls = fake.recorded.slice(sent).map((r) => ({ at: r.at, body: r.body }));
      sent += calls.length;
      process.send!({ type: 'pull', calls });
    } else void fake.close().then(() => process.exit(0));
  });
  process.send!({ type: 'ready', apiUrl: fake.apiUrl, reportsUrl: fake.reportsUrl });
}
