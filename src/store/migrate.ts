import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The smallest SQL surface the runner needs; both PGlite and node-postgres provide it (see prisma.ts). */
export type SqlRunner = {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs fn inside one transaction on one connection. */
  transaction<T>(
    fn: (tx: Omit<SqlRunner, 'transaction'> & { exec(script: string): Promise<void> }) => Promise<T>,
  ): Promise<T>;
};

export type Migration = { name: string; sql: string; checksum: string };

/** A migration that could not be applied; nothing of the run is kept (it runs in one transaction). */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`migration ${migration} failed: ${reason}`, options);
  }
}

const reasonOf = (err: unknown) => {
  const e = err as { message?: unknown; code?: unknown };
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? `${msg} (SQLSTATE ${e.code})` : msg;
};

export const MIGRATIONS_DIR = new URL('../../prisma/migrations/', import.meta.url).pathname;

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      // Prisma records the SHA-256 of the file's bytes; keeping the same rule keeps `migrate deploy` happy.
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any fixed 64-bit number; several instances starting at once apply migrations one at a time.
const LOCK_KEY = 72_707_369_001;

type Applied = { migration_name: string; checksum: string };

/**
 * Applies every pending migration in order, in one transaction, and records it in
 * `_prisma_migrations` the way Prisma does. Refuses to start when an applied migration was edited.
 */
export async function migrate(db: SqlRunner, migrations = readMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(CREATE_TABLE);
    const applied = await tx.query<Applied>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const byName = new Map(applied.map((a) => [a.migration_name, a.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      const checksum = byName.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new MigrationError(
            m.name,
            'it was edited after it was applied (checksum differs); restore the file as it was applied',
          );
        }
        continue;
      }
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new MigrationError(m.name, `${reasonOf(err)}; nothing of this start-up's migrations was kept`, {
          cause: err,
        });
      }
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, now(), 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      done.push(m.name);
    }
    return done;
  });
}

/** Names of migrations in the repo that the database has not applied yet (readiness check). */
export async function pendingMigrations(
  db: Pick<SqlRunner, 'query'>,
  migrations = readMigrations(),
): Promise<string[]> {
  const rows = await db
    .query<Applied>('SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL')
    .catch((err: unknown) => {
      // No table yet: nothing applied. Any other failure (the database is down) is not "pending".
      if ((err as { code?: unknown }).code === '42P01') return [] as Applied[];
      throw err;
    });
  const names = new Set(rows.map((r) => r.migration_name));
  return migrations.filter((m) => !names.has(m.name)).map((m) => m.name);
}
