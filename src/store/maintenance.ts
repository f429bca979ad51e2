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
  /**
   * The row count the planner plans with (`pg_class.reltuples`, set by the last ANALYZE or VACUUM; -1 or
   * absent when the table was never analyzed).
   */
  plannedRows?: number;
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

/**
 * Growth that makes plans wrong: a table holding at least `minRows` and `factor` times the rows the planner
 * plans with. A prepared statement keeps the generic plan it made for a small table (a sequential scan is
 * right for a few pages) until the table is analyzed again, and a fresh gateway's tables grow from empty to
 * thousands of rows in seconds: bench:flows at 500 events/s read ~380 000 rows in sequential scans of
 * `flow_execution` in the seconds before the 10-s pass analyzed it. An ANALYZE per doubling is a handful
 * while a table fills and none once its size is steady, so growth is checked every second.
 */
export const GROWTH = { factor: 2, minRows: 200 } as const;

/** Tables grown past their plans (`GROWTH`), to ANALYZE between full passes (pure). */
export function grownPastPlans(
  tables: readonly TableActivity[],
  g: { factor: number; minRows: number } = GROWTH,
): string[] {
  return tables
    .filter((x) => x.liveRows >= g.minRows && x.liveRows >= g.factor * Math.max(0, x.plannedRows ?? -1))
    .map((x) => x.table);
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

async function tableActivity(db: Pick<Database, 'sql'>): Promise<TableActivity[]> {
  const rows = await db.sql.query<{
    table: string;
    live: string;
    dead: string;
    mod: string;
    planned: string;
  }>(
    `SELECT s.relname AS table, s.n_live_tup::text AS live, s.n_dead_tup::text AS dead,
            s.n_mod_since_analyze::text AS mod, c.reltuples::bigint::text AS planned
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
     WHERE s.schemaname = current_schema()`,
  );
  return rows.map((r) => ({
    table: r.table,
    liveRows: Number(r.live),
    deadRows: Number(r.dead),
    modifiedSinceAnalyze: Number(r.mod),
    plannedRows: Number(r.planned),
  }));
}

/**
 * One pass: reads the statistics of the tables in the current schema, then VACUUMs and ANALYZEs those
 * due, one statement per table (a VACUUM takes only a lock that lets reads and writes go on). Returns what
 * it did; a table that fails is logged and left for the next pass. `growth`: only ANALYZE the tables grown
 * past their plans (`grownPastPlans`), nothing else.
 */
export async function maintainOnce(
  db: Pick<Database, 'sql'>,
  log?: Pick<Logger, 'info' | 'warn'>,
  pass: 'full' | 'growth' = 'full',
): Promise<MaintenancePlan> {
  const tables = await tableActivity(db);
  const plan: MaintenancePlan =
    pass === 'growth' ? { vacuum: [], analyze: grownPastPlans(tables) } : planMaintenance(tables);
  const done: MaintenancePlan = { vacuum: [], analyze: [] };
  const due = new Set([...plan.vacuum, ...plan.analyze]);
  for (const table of due) {
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
  if (due.size > 0) log?.info({ ...done, pass }, 'tables maintained');
  return done;
}

/** How often tables are checked for growth past their plans between full passes, ms. */
export const GROWTH_CHECK_MS = 1_000;

/**
 * Runs `maintainOnce` every `intervalMs` (the first pass after one interval) until stopped, and between
 * full passes a growth pass every `GROWTH_CHECK_MS` (only when that is shorter than the interval); one pass
 * at a time. Several instances on one server may each run it: a second VACUUM of a table waits for the
 * first and finds little left to do.
 */
export function startSelfMaintenance(opts: {
  db: Pick<Database, 'sql'>;
  log: Pick<Logger, 'info' | 'warn'>;
  intervalMs: number;
}): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let sinceFull = 0;
  const schedule = () => {
    // Growth checks every GROWTH_CHECK_MS, and a full pass whenever intervalMs has gone by (not rounded
    // up to a whole number of growth checks).
    const wait = Math.min(GROWTH_CHECK_MS, opts.intervalMs - sinceFull);
    timer = setTimeout(() => {
      sinceFull += wait;
      const full = sinceFull >= opts.intervalMs;
      if (full) sinceFull = 0;
      pass = maintainOnce(opts.db, opts.log, full ? 'full' : 'growth')
        .catch((err: unknown) => opts.log.warn({ err }, 'table maintenance pass failed'))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, wait);
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
