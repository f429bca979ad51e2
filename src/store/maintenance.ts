import type { Logger } from 'pino';
import type { Database } from './database.js';
import { autovacuumOff, serverSettings } from './server-checks.js';

/**
 * The gateway's own VACUUM and ANALYZE, for a database nobody else maintains: the embedded database (PGlite
 * runs no autovacuum) and a PostgreSQL server with `autovacuum = off`. Without it the planner never learns
 * how large the tables have grown, so statements keep the plans chosen while the tables were empty: a
 * sequential scan of every flow execution to load four of them, a scan of all of a workspace's events to
 * load a batch by id. bench:flows on this machine's server (autovacuum off): 245–290 executions/s at
 * saturation before, 485–554 with the tables analyzed (docs/flows.md); the same plans on the embedded
 * database. Dead rows of
 * the job queue and the delivery tables are reclaimed by the VACUUM (see server-checks.ts).
 *
 * The thresholds are autovacuum's own defaults (PostgreSQL documentation, "The Autovacuum Daemon"), so a
 * table is maintained as often as a server with autovacuum on would do it.
 */
export type MaintenanceThresholds = {
  vacuumThreshold: number;
  vacuumScaleFactor: number;
  analyzeThreshold: number;
  analyzeScaleFactor: number;
};
export const AUTOVACUUM_DEFAULTS: Readonly<MaintenanceThresholds> = {
  vacuumThreshold: 50,
  vacuumScaleFactor: 0.2,
  analyzeThreshold: 50,
  analyzeScaleFactor: 0.1,
};

export type TableActivity = {
  table: string;
  /** Rows as last counted (by a VACUUM or ANALYZE, else the statistics system's running count). */
  liveRows: number;
  deadRows: number;
  /** Rows inserted, updated or deleted since the table was last analyzed. */
  modifiedSinceAnalyze: number;
};

export type MaintenancePlan = { vacuum: string[]; analyze: string[] };

/** Which tables are due a VACUUM and which an ANALYZE, by autovacuum's rule (pure). */
export function planMaintenance(
  tables: readonly TableActivity[],
  t: Readonly<MaintenanceThresholds> = AUTOVACUUM_DEFAULTS,
): MaintenancePlan {
  const vacuum: string[] = [];
  const analyze: string[] = [];
  for (const x of tables) {
    const live = Math.max(0, x.liveRows);
    if (x.deadRows > t.vacuumThreshold + t.vacuumScaleFactor * live) vacuum.push(x.table);
    if (x.modifiedSinceAnalyze > t.analyzeThreshold + t.analyzeScaleFactor * live) analyze.push(x.table);
  }
  return { vacuum, analyze };
}

export type MaintenanceMode = 'auto' | 'always' | 'off';

/** Whether the gateway maintains its tables itself: `auto` when nothing else does (embedded, autovacuum off). */
export async function selfMaintenanceNeeded(
  db: Pick<Database, 'kind' | 'sql'>,
  mode: MaintenanceMode,
): Promise<boolean> {
  if (mode !== 'auto') return mode === 'always';
  if (db.kind === 'embedded') return true;
  const settings = await serverSettings(db);
  return settings !== undefined && autovacuumOff(settings);
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * One pass: reads the statistics of the tables in the current schema, then VACUUMs and ANALYZEs those
 * due, one statement per table (a VACUUM takes only a lock that lets reads and writes go on). Returns what
 * it did; a table that fails is logged and left for the next pass.
 */
export async function maintainOnce(
  db: Pick<Database, 'sql'>,
  log?: Pick<Logger, 'info' | 'warn'>,
): Promise<MaintenancePlan> {
  const rows = await db.sql.query<{ table: string; live: string; dead: string; mod: string }>(
    `SELECT relname AS table, n_live_tup::text AS live, n_dead_tup::text AS dead,
            n_mod_since_analyze::text AS mod
     FROM pg_stat_user_tables WHERE schemaname = current_schema()`,
  );
  const plan = planMaintenance(
    rows.map((r) => ({
      table: r.table,
      liveRows: Number(r.live),
      deadRows: Number(r.dead),
      modifiedSinceAnalyze: Number(r.mod),
    })),
  );
  const done: MaintenancePlan = { vacuum: [], analyze: [] };
  const tables = new Set([...plan.vacuum, ...plan.analyze]);
  for (const table of tables) {
    const vacuum = plan.vacuum.includes(table);
    const analyze = plan.analyze.includes(table);
    const options = vacuum && analyze ? 'VACUUM (ANALYZE)' : vacuum ? 'VACUUM' : 'ANALYZE';
    try {
      await db.sql.query(`${options} ${quoteIdent(table)}`);
      if (vacuum) done.vacuum.push(table);
      if (analyze) done.analyze.push(table);
    } catch (err) {
      log?.warn({ err, table }, 'table maintenance failed; tried again on the next pass');
    }
  }
  if (tables.size > 0) log?.info(done, 'tables maintained');
  return done;
}

/**
 * Runs `maintainOnce` every `intervalMs` (the first pass after one interval) until stopped; one pass at a
 * time. Several instances on one server may each run it: a second VACUUM of a table waits for the first
 * and finds little left to do.
 */
export function startSelfMaintenance(opts: {
  db: Pick<Database, 'sql'>;
  log: Pick<Logger, 'info' | 'warn'>;
  intervalMs: number;
}): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(() => {
      pass = maintainOnce(opts.db, opts.log)
        .catch((err: unknown) => opts.log.warn({ err }, 'table maintenance pass failed'))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, opts.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
