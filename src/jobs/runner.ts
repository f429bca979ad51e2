import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from '../platform/clock.js';
import { createCoalescer } from '../platform/coalescer.js';
import { randomId } from '../platform/ids.js';
import type { Sql } from '../store/database.js';
import { type JobDefinition, type JobPool, PermanentJobError, Reschedule, RetryAt } from './catalog.js';
import {
  type ClaimRead,
  type ClaimedJob,
  claim,
  completeMany,
  fail,
  heartbeat,
  reschedule,
} from './queue.js';

export type JobContext = {
  jobId: string;
  attempt: number;
  workspaceId: string | null;
  log: Logger;
  /** Aborted when the runner is shutting down past its grace period or the lease was lost. */
  signal: AbortSignal;
  /**
   * The runner's worker id (the lease holder), for a handler that completes its job in its own statement
   * (complete-sql.ts). Absent when a test calls a handler directly: such a handler then completes nothing.
   */
  workerId?: string;
  /**
   * What the job type's claim read found for this job (`ClaimRead`, registered with the handler), fetched
   * in the claim's own statement. Absent when there is none, it found nothing, or a test calls the handler
   * directly: the handler then reads for itself.
   */
  read?: unknown;
};

/**
 * What a handler returns: nothing (the runner completes the job), or `'settled'` when the handler already
 * ended the job itself in its own statement (completed, or requeued for a retry: complete-sql.ts), so the
 * runner records nothing more.
 */
export type JobResult = void | 'settled';

export type JobHandler<S extends z.ZodType = z.ZodType> = ((
  payload: z.output<S>,
  ctx: JobContext,
) => Promise<JobResult>) & {
  /** Set by `batchHandler`: the runner hands this one all the jobs of its type a claim returned. */
  readonly batch?: BatchJobHandler<S>;
};

/**
 * A handler that takes every job of its type one claim returned, at once, so it can read and write them
 * in a few statements instead of a few per job. It returns one promise per job, in the order given; each
 * ends that job alone (and frees its worker slot) as a single handler's promise would: resolved → done,
 * rejected → `RetryAt`, `Reschedule`, `PermanentJobError` or a failure, as thrown by a single handler.
 */
export type BatchJobHandler<S extends z.ZodType = z.ZodType> = (
  jobs: { payload: z.output<S>; ctx: JobContext }[],
) => Promise<JobResult>[];

/**
 * A job handler made of a batch handler: the runner gives it every job of its type one claim returned; a
 * direct call (a test) runs a batch of one.
 */
export function batchHandler<S extends z.ZodType>(batch: BatchJobHandler<S>): JobHandler<S> {
  const one = async (payload: z.output<S>, ctx: JobContext) => batch([{ payload, ctx }])[0]!;
  return Object.assign(one, { batch });
}

type Registered = { def: JobDefinition; handler: JobHandler; read?: ClaimRead['sql'] };

/** Whether a registered job type takes the slots of `pool` (any pool when none is given). */
const inPool = (e: Registered, pool: JobPool | undefined) =>
  pool === undefined || (e.def.pool ?? 'default') === pool;

/** Job name → handler. Filled in deps.ts, so src/jobs knows nothing about the modules. */
export class JobRegistry {
  private readonly entries = new Map<string, Registered>();
  private readonly reads = new Map<string, ClaimRead[]>();
  /** `read`: the job type's claim read (claim.ts `ClaimRead`), run in the claim's statement. */
  register<S extends z.ZodType>(
    def: JobDefinition<string, S>,
    handler: JobHandler<S>,
    read?: ClaimRead['sql'],
  ): this {
    if (this.entries.has(def.name)) throw new Error(`job ${def.name} registered twice`);
    this.entries.set(def.name, { def, handler: handler as JobHandler, ...(read ? { read } : {}) });
    this.reads.clear();
    return this;
  }

  /**
   * The claim reads registered for one pool's jobs (or all); the same array until the next registration
   * (the claim caches its statement by it).
   */
  claimReads(pool?: JobPool): readonly ClaimRead[] {
    const key = pool ?? '*';
    let reads = this.reads.get(key);
    if (reads === undefined) {
      reads = [...this.entries.values()].flatMap((e) =>
        e.read === undefined || !inPool(e, pool) ? [] : [{ name: e.def.name, sql: e.read }],
      );
      this.reads.set(key, reads);
    }
    return reads;
  }

  get(name: string): Registered | undefined {
    return this.entries.get(name);
  }
  /** The registered job names, or those of one pool. */
  names(pool?: JobPool): string[] {
    return [...this.entries.values()].filter((e) => inPool(e, pool)).map((e) => e.def.name);
  }
}

/** How often a runner's claim also looks for jobs whose lease expired (their worker died), ms. */
const EXPIRED_CHECK_MS = 1_000;

/**
 * How long a busy runner waits for more free slots when fewer than a quarter of them are free, ms (see
 * run()). A runner of fewer than 8 slots never waits.
 */
const CLAIM_GATHER_MS = 5;

/** Of every runner's claims, the share that takes due retries before first attempts (see claim.ts). */
export const DEFAULT_RETRY_SHARE = 0.25;

export type RunnerOptions = {
  /** Plain SQL: the worker's claim, complete, fail, reschedule and heartbeat statements. */
  sql: Pick<Sql, 'prepared'>;
  registry: JobRegistry;
  log: Logger;
  clock: Clock;
  concurrency: number;
  pollIntervalMs: number;
  random?: () => number;
  /** Share of claims that serve the retry lane before first attempts (0..1). Default 0.25. */
  retryShare?: number;
  /** How far a job whose concurrency key is full is pushed back, ms. Default 1 000. */
  capWaitMs?: number;
  /** Run only the job types of this pool (`JobDefinition.pool`). Default `default`. */
  pool?: JobPool;
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
  const pool = opts.pool ?? 'default';
  const random = opts.random ?? Math.random;
  const minClaim = Math.max(1, Math.floor(opts.concurrency / 4));
  const retryShare = Math.min(1, Math.max(0, opts.retryShare ?? DEFAULT_RETRY_SHARE));
  let retryCredit = 0;
  // Expired leases are looked for on the first claim and then at most once a second (real time, like the
  // database's now() that expires them): a lease lasts tens of seconds, and the lookup is not free.
  let expiredCheckedAt = Number.NEGATIVE_INFINITY;
  const inFlight = new Map<string, Promise<void>>();
  // Jobs that end while a completion statement is in flight are completed together by the next one.
  const complete = createCoalescer((items: { jobId: string; workerId: string }[]) =>
    completeMany(opts.sql, items),
  );
  /** The abort controllers of the jobs running now: stop() past its grace period aborts them all. */
  const aborters = new Set<AbortController>();
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

  type Started = { job: ClaimedJob; def: JobDefinition; payload: unknown; ctx: JobContext; stop: () => void };

  /**
   * Starts a claimed job's run: its lease heartbeat and abort signal, its payload parsed. Null when it
   * must not run (a job taken over after its last attempt, or a payload that does not parse): it is
   * settled here already.
   */
  async function begin(job: ClaimedJob, def: JobDefinition): Promise<Started | null> {
    const log = opts.log.child({ jobId: job.id, job: job.name, attempt: job.attempts, lane: job.lane });
    if (job.attempts > job.max_attempts) {
      // Taken over after its worker died during the last attempt: a job that kills its worker must not
      // be retried forever.
      await fail(opts.sql, job.id, workerId, 'lease expired during the last attempt', null).catch(
        (err: unknown) => log.error({ err }, 'could not record job failure'),
      );
      log.error('job lease expired during its last attempt; dead');
      return null;
    }
    let payload: unknown;
    try {
      payload = def.schema.parse(job.payload);
    } catch (err) {
      await settle(job, def, err, log);
      return null;
    }
    // The job's own controller, aborted by a lost lease or by the runner's shutdown (which aborts every
    // running job's). Not AbortSignal.any with a runner-wide signal: Node 20 keeps every signal derived from
    // a long-lived one for as long as that one lives (nodejs/node#55351), ~70 bytes per job for good.
    const aborter = new AbortController();
    aborters.add(aborter);
    const signal = aborter.signal;
    // Renew the lease every third of its length: a live worker survives two missed beats, a dead one
    // loses its jobs within one lease.
    const beat = setInterval(
      () => {
        heartbeat(opts.sql, job.id, workerId)
          .then((ok) => {
            if (!ok) aborter.abort(new Error('lease lost'));
          })
          .catch((err: unknown) => log.warn({ err }, 'job heartbeat failed'));
      },
      (job.lease_seconds * 1_000) / 3,
    );
    const ctx: JobContext = {
      jobId: job.id,
      attempt: job.attempts,
      workspaceId: job.workspace_id,
      log,
      signal,
      workerId,
      ...(job.read === undefined ? {} : { read: job.read }),
    };
    return {
      job,
      def,
      payload,
      ctx,
      stop: () => {
        clearInterval(beat);
        aborters.delete(aborter);
      },
    };
  }

  /** Ends a started job with what its handler returned or threw. */
  async function finish(s: Started, outcome: Promise<JobResult>, started: number): Promise<void> {
    const { job, ctx } = s;
    try {
      const result = await outcome;
      // Ended by the handler's own statement: nothing left to record.
      if (result === 'settled') return;
      const ok = await complete({ jobId: job.id, workerId });
      if (ok) ctx.log.debug({ durationMs: Date.now() - started }, 'job succeeded');
      else ctx.log.warn('job finished after its lease was lost');
    } catch (err) {
      await settle(job, s.def, err, ctx.log);
    } finally {
      s.stop();
    }
  }

  async function execute(job: ClaimedJob, entry: Registered): Promise<void> {
    const s = await begin(job, entry.def);
    if (s === null) return;
    const started = Date.now();
    // A handler that throws synchronously is settled like one that rejects.
    await finish(
      s,
      Promise.resolve().then(() => entry.handler(s.payload, s.ctx)),
      started,
    );
  }

  /** Runs the jobs of one batch handler: each job's promise ends that job alone. */
  function executeBatch(jobs: ClaimedJob[], def: JobDefinition, batch: BatchJobHandler): Promise<void>[] {
    const startedAt = Date.now();
    const begun = Promise.all(jobs.map((job) => begin(job, def)));
    const outcomes = begun.then((all) => {
      const runnable = all.filter((s): s is Started => s !== null);
      let results: Promise<JobResult>[];
      try {
        results =
          runnable.length === 0 ? [] : batch(runnable.map((s) => ({ payload: s.payload, ctx: s.ctx })));
        if (results.length !== runnable.length)
          throw new Error(
            `batch handler of ${def.name} returned ${results.length} results for ${runnable.length} jobs`,
          );
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        results = runnable.map(() => Promise.reject(error));
      }
      return new Map(runnable.map((s, i) => [s.job.id, { s, result: results[i]! }]));
    });
    return jobs.map(async (job) => {
      const r = (await outcomes).get(job.id);
      if (r !== undefined) await finish(r.s, r.result, startedAt);
    });
  }

  /** Records how an attempt that threw ends: rescheduled (not counted), retried, or dead. */
  async function settle(job: ClaimedJob, def: JobDefinition, err: unknown, log: Logger): Promise<void> {
    const recorded = (p: Promise<boolean>) =>
      p.catch((e: unknown) => {
        log.error({ err: e }, 'could not record job outcome');
        return false;
      });
    if (err instanceof Reschedule) {
      await recorded(reschedule(opts.sql, job.id, workerId, err.at));
      log.info({ nextRunAt: err.at, reason: err.reason }, 'job rescheduled');
      return;
    }
    const permanent = err instanceof PermanentJobError || (err instanceof Error && err.name === 'ZodError');
    const exhausted = job.attempts >= job.max_attempts;
    const retryAt =
      permanent || exhausted
        ? null
        : err instanceof RetryAt
          ? err.at
          : new Date(
              opts.clock.now().getTime() + def.backoffSeconds(job.attempts) * 1_000 * (0.9 + random() * 0.2),
            );
    const message = err instanceof Error ? err.message : String(err);
    await recorded(fail(opts.sql, job.id, workerId, message, retryAt));
    if (retryAt === null) log.error({ err }, 'job failed permanently');
    else log.warn({ err, nextRunAt: retryAt }, 'job failed, retry scheduled');
  }

  /** Claims what there is room for. True when it filled every free slot: more may be waiting. */
  async function tick(): Promise<boolean> {
    const free = opts.concurrency - inFlight.size;
    if (free <= 0) return false;
    // Credit for the retry lane's reserved share: every 1/share-th claim serves due retries first.
    retryCredit += retryShare;
    const retriesFirst = retryCredit >= 1;
    if (retriesFirst) retryCredit -= 1;
    const takeExpired = performance.now() - expiredCheckedAt >= EXPIRED_CHECK_MS;
    if (takeExpired) expiredCheckedAt = performance.now();
    const jobs = await claim(opts.sql, workerId, opts.registry.names(pool), free, {
      retriesFirst,
      capWaitMs: opts.capWaitMs ?? 1_000,
      takeExpired,
      reads: opts.registry.claimReads(pool),
      pool,
    });
    const track = (job: ClaimedJob, p: Promise<void>) => {
      inFlight.set(
        job.id,
        p.finally(() => {
          inFlight.delete(job.id);
          wakeUp();
        }),
      );
    };
    // Jobs of a batch handler go to it together, one call per job type.
    const batches = new Map<string, ClaimedJob[]>();
    for (const job of jobs) {
      const entry = opts.registry.get(job.name);
      if (entry === undefined) continue; // claim() only asks for registered names
      if (entry.handler.batch !== undefined) batches.set(job.name, [...(batches.get(job.name) ?? []), job]);
      else track(job, execute(job, entry));
    }
    for (const [name, group] of batches) {
      const { def, handler } = opts.registry.get(name)!;
      const ps = executeBatch(group, def, handler.batch!);
      group.forEach((job, i) => track(job, ps[i]!));
    }
    return jobs.length === free;
  }

  async function run(): Promise<void> {
    while (running) {
      // Give the event loop a turn before every claim. On PGlite a query never waits for I/O (it resolves
      // in the microtask queue), so a runner kept busy by jobs that enqueue jobs would otherwise starve
      // timers and HTTP for as long as the work lasts.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!running) break;
      // A busy runner with only a few free slots gathers a few more (up to CLAIM_GATHER_MS) before it
      // claims: a claim costs about the same for 1 job as for 16, and jobs that end one at a time (a
      // slow endpoint's, retries) would otherwise each pay for a claim of their own (bench:deliver).
      const gatherUntil = performance.now() + CLAIM_GATHER_MS;
      while (
        running &&
        inFlight.size > 0 &&
        opts.concurrency - inFlight.size < minClaim &&
        performance.now() < gatherUntil
      )
        await sleepUntilWake(gatherUntil - performance.now());
      if (!running) break;
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
      await sleepUntilWake(opts.pollIntervalMs);
    }
  }

  /** Until a job finishes or is enqueued here (wakeUp), or `ms` pass. */
  function sleepUntilWake(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      wake = () => {
        wake = undefined;
        clearTimeout(timer);
        resolve();
      };
      timer = setTimeout(() => wake?.(), Math.max(0, ms));
    });
  }

  return {
    workerId,
    start() {
      if (running) return;
      running = true;
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
        const reason = new Error('shutting down');
        for (const a of aborters) a.abort(reason);
        await all;
      }
    },
  };
}

/**
 * The runners of one process (one per pool) as one: started, woken and stopped together. `workerId` is the
 * first one's (for logs; each job's lease holder is its own runner's, `JobContext.workerId`).
 */
export function combineRunners(runners: readonly Runner[]): Runner {
  if (runners.length === 0) throw new Error('no runners');
  return {
    workerId: runners[0]!.workerId,
    start: () => runners.forEach((r) => r.start()),
    poke: () => runners.forEach((r) => r.poke()),
    stop: async (timeoutMs) => {
      await Promise.all(runners.map((r) => r.stop(timeoutMs)));
    },
  };
}
