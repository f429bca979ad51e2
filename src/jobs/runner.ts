import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from '../platform/clock.js';
import { randomId } from '../platform/ids.js';
import { type JobDefinition, PermanentJobError } from './catalog.js';
import type { Sql } from '../store/database.js';
import { type ClaimedJob, claim, complete, fail, heartbeat } from './queue.js';

export type JobContext = {
  jobId: string;
  attempt: number;
  workspaceId: string | null;
  log: Logger;
  /** Aborted when the runner is shutting down past its grace period or the lease was lost. */
  signal: AbortSignal;
};

export type JobHandler<S extends z.ZodType = z.ZodType> = (
  payload: z.output<S>,
  ctx: JobContext,
) => Promise<void>;

type Registered = { def: JobDefinition; handler: JobHandler };

/** Job name → handler. Filled in deps.ts, so src/jobs knows nothing about the modules. */
export class JobRegistry {
  private readonly entries = new Map<string, Registered>();
  register<S extends z.ZodType>(def: JobDefinition<string, S>, handler: JobHandler<S>): this {
    if (this.entries.has(def.name)) throw new Error(`job ${def.name} registered twice`);
    this.entries.set(def.name, { def, handler });
    return this;
  }
  get(name: string): Registered | undefined {
    return this.entries.get(name);
  }
  names(): string[] {
    return [...this.entries.keys()];
  }
}

export type RunnerOptions = {
  /** Plain SQL: the worker's claim, complete, fail and heartbeat statements. */
  sql: Pick<Sql, 'prepared'>;
  registry: JobRegistry;
  log: Logger;
  clock: Clock;
  concurrency: number;
  pollIntervalMs: number;
  random?: () => number;
};

export type Runner = {
  start(): void;
  /** Wakes the poll loop now (after an in-process enqueue) instead of at the next tick. */
  poke(): void;
  /** Stops claiming, waits for in-flight jobs up to timeoutMs, then aborts the rest (their leases expire). */
  stop(timeoutMs: number): Promise<void>;
  readonly workerId: string;
};

export function createRunner(opts: RunnerOptions): Runner {
  const workerId = `${hostname()}:${process.pid}:${randomId(6)}`;
  const random = opts.random ?? Math.random;
  const inFlight = new Map<string, Promise<void>>();
  let shutdown = new AbortController();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  // A wake-up (a job finished, a job was enqueued here) that came while the loop was claiming, not waiting.
  let missedWake = false;
  const wakeUp = () => {
    if (wake === undefined) missedWake = true;
    else wake();
  };
  let loop: Promise<void> | undefined;

  async function execute(job: ClaimedJob): Promise<void> {
    const entry = opts.registry.get(job.name);
    const log = opts.log.child({ jobId: job.id, job: job.name, attempt: job.attempts });
    if (entry === undefined) return; // claim() only asks for registered names
    const lost = new AbortController();
    const signal = AbortSignal.any([shutdown.signal, lost.signal]);
    // Renew the lease at half its length, so a long job keeps it and a dead worker loses it.
    const beat = setInterval(
      () => {
        heartbeat(opts.sql, job.id, workerId)
          .then((ok) => {
            if (!ok) lost.abort(new Error('lease lost'));
          })
          .catch((err: unknown) => log.warn({ err }, 'job heartbeat failed'));
      },
      (job.lease_seconds * 1_000) / 2,
    );
    const started = Date.now();
    try {
      const payload = entry.def.schema.parse(job.payload);
      await entry.handler(payload, {
        jobId: job.id,
        attempt: job.attempts,
        workspaceId: job.workspace_id,
        log,
        signal,
      });
      const ok = await complete(opts.sql, job.id, workerId);
      if (ok) log.info({ durationMs: Date.now() - started }, 'job succeeded');
      else log.warn('job finished after its lease was lost');
    } catch (err) {
      const permanent = err instanceof PermanentJobError || (err instanceof Error && err.name === 'ZodError');
      const exhausted = job.attempts >= job.max_attempts;
      const retryAt =
        permanent || exhausted
          ? null
          : new Date(
              opts.clock.now().getTime() +
                entry.def.backoffSeconds(job.attempts) * 1_000 * (0.9 + random() * 0.2),
            );
      const message = err instanceof Error ? err.message : String(err);
      await fail(opts.sql, job.id, workerId, message, retryAt).catch((e: unknown) =>
        log.error({ err: e }, 'could not record job failure'),
      );
      if (retryAt === null) log.error({ err }, 'job failed permanently');
      else log.warn({ err, nextRunAt: retryAt }, 'job failed, retry scheduled');
    } finally {
      clearInterval(beat);
    }
  }

  /** Claims what there is room for. True when it filled every free slot: more may be waiting. */
  async function tick(): Promise<boolean> {
    const free = opts.concurrency - inFlight.size;
    if (free <= 0) return false;
    const jobs = await claim(opts.sql, workerId, opts.registry.names(), free);
    for (const job of jobs) {
      const p = execute(job).finally(() => {
        inFlight.delete(job.id);
        wakeUp();
      });
      inFlight.set(job.id, p);
    }
    return jobs.length === free;
  }

  async function run(): Promise<void> {
    while (running) {
      let full = false;
      missedWake = false;
      try {
        full = await tick();
      } catch (err) {
        opts.log.error({ err }, 'job poll failed');
      }
      if (!running) break;
      // Poll again at once when woken meanwhile, or when every slot was filled and one is free already;
      // otherwise sleep until a job finishes, one is enqueued here, or the poll interval passes.
      if (missedWake || (full && inFlight.size < opts.concurrency)) continue;
      await new Promise<void>((resolve) => {
        wake = () => {
          wake = undefined;
          clearTimeout(timer);
          resolve();
        };
        timer = setTimeout(() => wake?.(), opts.pollIntervalMs);
      });
    }
  }

  return {
    workerId,
    start() {
      if (running) return;
      running = true;
      // A runner may be started again after stop(); jobs of the new run get a fresh abort signal.
      if (shutdown.signal.aborted) shutdown = new AbortController();
      loop = run();
    },
    poke() {
      wakeUp();
    },
    async stop(timeoutMs) {
      running = false;
      wake?.();
      await loop;
      const all = Promise.allSettled([...inFlight.values()]);
      let t: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => (t = setTimeout(() => r(true), timeoutMs))),
      ]);
      clearTimeout(t);
      if (timedOut) {
        shutdown.abort(new Error('shutting down'));
        await all;
      }
    },
  };
}
