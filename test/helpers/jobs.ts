import pino from 'pino';
import { type JobRegistry, type Runner, type RunnerOptions, createRunner } from '../../src/jobs/runner.js';
import type { Clock } from '../../src/platform/clock.js';
import { systemClock } from '../../src/platform/clock.js';
import type { Database } from '../../src/store/database.js';

/** A clock the test moves by hand. */
export function manualClock(start = new Date()): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Counts the claims a runner makes (to wait for "it has polled N more times", not for time). */
export function countingSql(db: Database) {
  let claims = 0;
  return {
    get claims() {
      return claims;
    },
    prepared: async <T>(name: string, text: string, params: unknown[]) => {
      if (name.startsWith('job_claim')) claims++;
      return db.sql.prepared<T>(name, text, params);
    },
  };
}

/** A runner on `db` with test defaults: fast polling, silent log, system clock. */
export function testRunner(
  db: Database,
  registry: JobRegistry,
  opts: Partial<Omit<RunnerOptions, 'registry'>> = {},
): Runner {
  return createRunner({
    sql: db.sql,
    registry,
    log: pino({ level: 'silent' }),
    clock: systemClock,
    concurrency: 2,
    pollIntervalMs: 20,
    ...opts,
  });
}

/** A promise the test resolves by hand (a handler waits on it instead of sleeping). */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}
