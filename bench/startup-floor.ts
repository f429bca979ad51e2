/**
 * The floor for bench/startup.bench.ts: what any gateway on the embedded database must do at least —
 * open (or create) a PGlite folder and listen with Fastify, answering /readyz once the database answers.
 *
 *   DATA_DIR=… PORT=… tsx bench/startup-floor.ts
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';

const dir = join(resolve(process.env.DATA_DIR ?? './data'), 'pglite');
mkdirSync(dir, { recursive: true });
const db = await PGlite.create(dir);
const app = Fastify();
app.get('/readyz', async () => {
  await db.query('SELECT 1');
  return { status: 'ready' };
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8080) });
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => db.close())
    .then(() => process.exit(0));
});
