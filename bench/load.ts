/**
 * The load generator of bench/ingest.bench.ts, run in its own process so it does not share the
 * server's event loop. Reads its task from argv[2] (JSON), prints the result as one JSON line.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { signGithub } from '../tools/signing/sign-examples.js';

type Task = { url: string; secret?: string; connections: number; durationS: number; bodyBytes: number };
const task = JSON.parse(process.argv[2] ?? '{}') as Task;

const run = randomBytes(4).toString('hex');
const pad = 'x'.repeat(task.bodyBytes);
let n = 0;

/** A unique ~1 KB JSON body per request, and its signature and delivery id (so none is a duplicate). */
function next(): { body: string; headers: Record<string, string> } {
  const id = `${run}-${n++}`;
  const head = JSON.stringify({ id, action: 'opened', repository: { full_name: 'acme/bench' }, pad: '' });
  const body = head.replace('"pad":""', `"pad":"${pad.slice(0, Math.max(0, task.bodyBytes - head.length))}"`);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-delivery': id,
    'x-github-event': 'push',
  };
  if (task.secret !== undefined) Object.assign(headers, signGithub(task.secret, body));
  return { body, headers };
}

const result = await autocannon({
  url: task.url,
  method: 'POST',
  connections: task.connections,
  duration: task.durationS,
  requests: [
    {
      setupRequest: (req) => {
        const { body, headers } = next();
        return { ...req, method: 'POST', body, headers };
      },
    },
  ],
});

process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  }) + '\n',
);
