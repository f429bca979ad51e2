import type { Database } from './database.js';

/**
 * What a PostgreSQL server's settings mean for the gateway: said once at start-up, as warnings. The job
 * queue and the outbound tables are updated many times per row; without autovacuum their dead rows and
 * index entries are never reclaimed, and claims and deliveries slow down steadily (measured by
 * bench:deliver: 168 000 dead job rows beside 100 000 live ones, throughput down to a fifth).
 */
export function serverSettingWarnings(settings: { autovacuum: string }): string[] {
  const warnings: string[] = [];
  if (autovacuumOff(settings)) {
    warnings.push(
      'PostgreSQL autovacuum is off: the job queue and delivery tables will bloat and slow down; turn it on (autovacuum = on)',
    );
  }
  return warnings;
}

/** The server's settings that matter here (warnings above, and whether the gateway maintains its tables). */
export async function serverSettings(db: Pick<Database, 'sql'>): Promise<{ autovacuum: string } | undefined> {
  const [row] = await db.sql.query<{ autovacuum: string }>(
    `SELECT current_setting('autovacuum') AS autovacuum`,
  );
  return row;
}

/** Whether a server's autovacuum is off (the setting as the server reports it). */
export const autovacuumOff = (settings: { autovacuum: string }): boolean =>
  settings.autovacuum.trim().toLowerCase() === 'off';

/** Warnings for the server's settings (see serverSettingWarnings); none for the embedded database. */
export async function databaseWarnings(db: Pick<Database, 'kind' | 'sql'>): Promise<string[]> {
  if (db.kind !== 'server') return [];
  const row = await serverSettings(db);
  return row === undefined ? [] : serverSettingWarnings(row);
}
