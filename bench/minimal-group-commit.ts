/**
 * A reference for bench/ingest.bench.ts: the least a durable group-commit server can do. The same
 * Fastify stack; requests arriving while a batch is being written (or within 1 ms) go out together as
 * one `INSERT … SELECT FROM unnest(…)` (one commit), and each is answered after that commit. No
 * verification, no dedup, no job rows, a three-column table: what the machine allows for the gateway's
 * write path once everything the gateway adds is taken away.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type pg from 'pg';

type Pending = { id: string; body: Buffer; headers: string; answer: () => void; fail: () => void };

export async function startMinimalGroupCommit(
  pool: pg.Pool,
): Promise<{ url: string; close(): Promise<void> }> {
  await pool.query(
    'CREATE TABLE group_event (id text PRIMARY KEY, body bytea NOT NULL, headers jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
  );
  let seq = 0;
  let queue: Pending[] = [];
  let writing = false;
  let timer: NodeJS.Timeout | undefined;

  const write = () => {
    timer = undefined;
    if (writing || queue.length === 0) return;
    const batch = queue;
    queue = [];
    writing = true;
    pool
      .query(
        'INSERT INTO group_event (id, body, headers) SELECT * FROM unnest($1::text[], $2::bytea[], $3::jsonb[])',
        [batch.map((p) => p.id), batch.map((p) => p.body), batch.map((p) => p.headers)],
      )
      .then(
        () => batch.forEach((p) => p.answer()),
        () => batch.forEach((p) => p.fail()),
      )
      .finally(() => {
        writing = false;
        if (queue.length > 0) write();
      });
  };

  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/ingest', (req, reply) => {
    queue.push({
      id: `g${process.pid}_${seq++}`,
      body: req.body as Buffer,
      headers: JSON.stringify(req.headers),
      answer: () => void reply.code(202).send({ ok: true }),
      fail: () => void reply.code(500).send({ ok: false }),
    });
    if (!writing && timer === undefined) timer = setTimeout(write, 1);
    return reply;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ingest`,
    close: () => app.close(),
  };
}
