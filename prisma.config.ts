import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { defineConfig } from 'prisma/config';

// The Prisma CLI here only ever talks to a throw-away in-memory PGlite through the adapter below
// (generate, migrate diff). Migrations are applied to real databases by our own runner
// (src/store/migrate.ts); see docs/adr/0004-prisma-without-native-engines.md.
// The schema still needs a datasource url to validate, so give it a placeholder when none is set.
process.env.DATABASE_URL ??= 'postgresql://unused.invalid/prisma-cli';

type Queryable = { executeRaw(q: { sql: string; args: unknown[] }): Promise<number> };

/** pglite-prisma-adapter 0.6 needs three fixes before the schema engine can use it. */
async function patchedAdapter(client: PGlite) {
  const factory = new PrismaPGlite(client);
  const connect = factory.connect.bind(factory);
  const patch = <T extends Queryable & { executeScript(s: string): Promise<void> }>(
    adapter: T,
    db: PGlite,
  ): T => {
    // 1. executeScript must wait for the script instead of firing and forgetting it.
    adapter.executeScript = async (script: string) => {
      await db.exec(script);
    };
    // 2. A migration script holds many statements; the extended protocol takes only one.
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (q) => {
      if (q.args.length === 0) {
        const results = await db.exec(q.sql);
        return results.reduce((n, r) => n + (r.affectedRows ?? 0), 0);
      }
      return executeRaw(q);
    };
    return adapter;
  };
  factory.connect = async () => patch((await connect()) as never, client);
  // 3. The shadow database must be a fresh in-memory PGlite every time.
  factory.connectToShadowDb = async () => {
    const shadow = new PGlite();
    return patch((await new PrismaPGlite(shadow).connect()) as never, shadow);
  };
  return factory;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: () => patchedAdapter(new PGlite()),
});
