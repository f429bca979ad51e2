import type { Catalogue } from '../../integrations/clockify/catalogue.js';
import { pageSizeParam } from '../../integrations/clockify/classify-operation.js';
import type { ClockifyClient } from '../../integrations/clockify/clockify.client.js';
import type { ClockifyFailure } from '../../integrations/clockify/clockify.errors.js';
import { enqueue } from '../../jobs/queue.js';
import type { JobContext } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../store/database.js';
import { type Tx, withTransaction } from '../../store/tx.js';
import type { CacheService } from '../cache/cache.service.js';
import { type InstallationsService, installationKeyOf } from '../installations/installations.service.js';
import { readSettings } from '../installations/settings.js';
import { bootstrapOperationJob, bootstrapRunJob, cacheRefreshJob } from './bootstrap.jobs.js';
import {
  BOOTSTRAP_LISTS,
  type BootstrapPlan,
  type PlannedOperation,
  estimateSecondsLeft,
  expandChildren,
  idOf,
  itemsOf,
  planBootstrap,
} from './bootstrap.plan.js';
import type { BootstrapRepo, OperationRow, RunRow } from './bootstrap.repo.js';

export type BootstrapTrigger = 'installed' | 'manual' | 'refresh';

type Deps = {
  db: Db;
  repo: BootstrapRepo;
  cache: Pick<CacheService, 'storePage' | 'dropOlderThan'>;
  installations: Pick<InstallationsService, 'requireInstalled' | 'clockifyConnection' | 'settingsOf'>;
  catalogue: Pick<Catalogue, 'operations' | 'get'>;
  client: Pick<ClockifyClient, 'connect'>;
  clock: Clock;
  /** Items per page requested from Clockify (default 50, Clockify's usual default). */
  pageSize?: number;
  /** Called after enqueuing jobs in-process, so the local runner picks them up without waiting a poll. */
  wake?: () => void;
};

const DAY_MS = 86_400_000;
// A list longer than this many pages is cut off (and recorded as failed) rather than looping forever
// on a server that never says it is the last page.
const MAX_PAGES_PER_OPERATION = 10_000;

export function createBootstrapService(deps: Deps) {
  const { db, repo, clock } = deps;
  const pageSize = deps.pageSize ?? 50;

  async function enqueueOperations(
    tx: Tx,
    runId: string,
    workspaceId: string,
    ids: string[],
    runAt?: Date,
  ): Promise<void> {
    for (const id of ids) {
      await enqueue(
        tx,
        bootstrapOperationJob,
        { runId, operationRowId: id },
        { workspaceId, dedupeKey: `bootstrap.operation:${id}`, ...(runAt ? { runAt } : {}) },
      );
    }
  }

  async function trigger(
    workspaceId: string,
    by: BootstrapTrigger,
    installKey: string | null = null,
  ): Promise<{ runId: string }> {
    const settings = await deps.installations.settingsOf(workspaceId); // throws INSTALLATION_NOT_FOUND
    const id = newId('bsr');
    const inserted = await withTransaction(db, async (tx) => {
      const runId = await repo.insertRun(
        {
          id,
          workspaceId,
          trigger: by,
          installKey,
          ratePerSecond: settings.bootstrap.maxRequestsPerSecond,
          pageSize,
        },
        tx,
      );
      if (runId !== null)
        await enqueue(tx, bootstrapRunJob, { runId }, { workspaceId, dedupeKey: `bootstrap.run:${runId}` });
      return runId;
    });
    if (inserted === null) {
      const active = await repo.activeRun(workspaceId);
      throw new AppError('CONFLICT', 'A bootstrap run is already queued or running for this workspace', {
        details: { runId: active?.id ?? null, status: active?.status ?? null },
      });
    }
    deps.wake?.();
    return { runId: inserted };
  }

  /** Marks the run finished when its last operation is; on success, drops what Clockify no longer lists. */
  async function finishIfDone(
    run: Pick<RunRow, 'id' | 'workspaceId'>,
    ctx: Pick<JobContext, 'log'>,
  ): Promise<void> {
    // Uninstalled meanwhile: the default only schedules a refresh that finds nothing to do (the purge
    // removes everything anyway).
    const ttlDays = (
      await deps.installations.settingsOf(run.workspaceId).catch(() => readSettings(undefined))
    ).cache.ttlDays;
    const finished = await withTransaction(db, async (tx) => {
      const done = await repo.completeIfDone(run.id, clock.now(), tx);
      if (done === null || done.startedAt === null || done.finishedAt === null) return null;
      const failed = await repo.hasFailedOperations(run.id, tx);
      if (!failed) {
        // Every list was read in full, so an entry neither fetched nor changed by a webhook since the run
        // started is gone from Clockify. Time entries are only listed within the days-back window: kept.
        const plan = done.plan as unknown as BootstrapPlan;
        const types = [...new Set([...plan.roots, ...plan.children].map((o) => o.entityType))].filter(
          (t) => t !== 'time-entry',
        );
        await deps.cache.dropOlderThan(run.workspaceId, done.startedAt, types, tx);
      }
      await enqueue(
        tx,
        cacheRefreshJob,
        { workspaceId: run.workspaceId },
        {
          workspaceId: run.workspaceId,
          runAt: new Date(done.finishedAt.getTime() + ttlDays * DAY_MS),
          dedupeKey: `cache.refresh:${run.id}`,
        },
      );
      return { failed, durationMs: done.finishedAt.getTime() - done.startedAt.getTime() };
    });
    // One line per bootstrap at info; each operation's own job logs at debug.
    if (finished !== null)
      ctx.log.info(
        { workspaceId: run.workspaceId, runId: run.id, ...finished },
        finished.failed ? 'bootstrap finished, some lists failed' : 'bootstrap finished',
      );
  }

  /** Job bootstrap.run: plan, then enqueue the root lists. Re-running it after success does nothing. */
  async function runJob(runId: string, ctx: JobContext): Promise<void> {
    const run = await repo.getRun(runId);
    if (run === null || run.status !== 'queued') return;
    let settings;
    try {
      settings = await deps.installations.settingsOf(run.workspaceId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'INSTALLATION_NOT_FOUND') {
        await repo.endRun(runId, 'cancelled', 'the add-on was uninstalled', clock.now());
        return;
      }
      throw err;
    }
    // One cheap read first (`GET /v1/user`, not a planned list): when Clockify cannot be reached or rejects the token, every list would fail
    // the same way (each after the client's retries), so the run fails at once with that reason.
    const api = await connectionFor(run);
    if (api === null) return;
    const probe = await api.call('getLoggedUser', {}, { signal: ctx.signal });
    if (
      !probe.ok &&
      (probe.kind === 'network' || probe.kind === 'timeout' || probe.kind === 'unauthorized')
    ) {
      await repo.endRun(
        runId,
        'failed',
        `Clockify check failed: ${probe.kind}: ${probe.message}`,
        clock.now(),
      );
      ctx.log.warn({ runId, kind: probe.kind }, 'bootstrap failed: Clockify not usable');
      return;
    }
    const plan = planBootstrap({
      operations: deps.catalogue.operations,
      workspaceId: run.workspaceId,
      settings: { ...settings.bootstrap, pageSize: run.pageSize },
      now: clock.now(),
    });
    const roots = plan.roots.map((o) => ({ ...o, id: newId('bop'), workspaceId: run.workspaceId }));
    await withTransaction(db, async (tx) => {
      if (!(await repo.startRun(runId, plan, roots, clock.now(), tx))) return;
      // Lists that reveal child lists (users, projects) are claimed first, so the run has many lists
      // to keep in flight as early as possible.
      const parents = new Set(plan.children.map((c) => c.parentType));
      const now = clock.now();
      await enqueueOperations(
        tx,
        runId,
        run.workspaceId,
        roots.filter((r) => parents.has(r.entityType)).map((r) => r.id),
        new Date(now.getTime() - 1_000),
      );
      await enqueueOperations(
        tx,
        runId,
        run.workspaceId,
        roots.filter((r) => !parents.has(r.entityType)).map((r) => r.id),
        now,
      );
    });
    ctx.log.info({ runId, operations: roots.length, excluded: plan.excluded.length }, 'bootstrap planned');
    deps.wake?.();
    if (roots.length === 0) await finishIfDone(run, ctx);
  }

  /** The workspace's Clockify connection at its current rate; null (run cancelled) when uninstalled. */
  async function connectionFor(run: Pick<RunRow, 'id' | 'workspaceId'>) {
    const conn = await deps.installations.clockifyConnection(run.workspaceId);
    if (conn === null) {
      await repo.endRun(run.id, 'cancelled', 'the add-on was uninstalled', clock.now());
      return null;
    }
    return deps.client.connect(conn);
  }

  /** One page read from Clockify: its entities and the child lists they reveal, in one transaction. */
  async function savePage(
    run: RunRow,
    op: OperationRow,
    rule: (typeof BOOTSTRAP_LISTS)[string],
    page: { page: number; items: unknown[]; lastPage: boolean },
  ): Promise<boolean> {
    const byId = new Map<string, unknown>();
    for (const item of page.items) {
      const id = idOf(item, rule);
      if (id !== undefined) byId.set(id, item);
    }
    const plan = run.plan as unknown as BootstrapPlan;
    const children = expandChildren(plan, rule.entityType, [...byId.keys()]).map((c: PlannedOperation) => ({
      ...c,
      id: newId('bop'),
      workspaceId: run.workspaceId,
    }));
    const now = clock.now();
    const saved = await withTransaction(db, async (tx) => {
      if (!(await repo.savePage(op, page.page, byId.size, page.lastPage, now, tx))) return false;
      await deps.cache.storePage(
        run.workspaceId,
        rule.entityType,
        [...byId].map(([id, data]) => ({ id, data })),
        now,
        tx,
      );
      await enqueueOperations(tx, run.id, run.workspaceId, await repo.addOperations(run.id, children, tx));
      return true;
    });
    if (saved && children.length > 0) deps.wake?.();
    return saved;
  }

  async function fetchOperation(run: RunRow, op: OperationRow, ctx: JobContext): Promise<void> {
    const rule = BOOTSTRAP_LISTS[op.operationId];
    const spec = deps.catalogue.get(op.operationId);
    if (rule === undefined || spec === undefined) {
      await repo.endOperation(
        op,
        'skipped',
        'no longer in the catalogue or the bootstrap lists',
        clock.now(),
      );
      return;
    }
    const api = await connectionFor(run);
    if (api === null) return;
    const input = {
      pathParams: op.pathParams as Record<string, string>,
      query: op.query as Record<string, string>,
    };
    const failed = async (kind: string, message: string) => {
      const reason = kind === 'forbidden' ? `missing scope or permission: ${message}` : `${kind}: ${message}`;
      await repo.endOperation(op, 'failed', reason, clock.now());
      ctx.log.warn(
        { runId: run.id, operationId: op.operationId, params: op.paramsKey, kind },
        'bootstrap operation failed',
      );
    };
    await repo.markOperationRunning(op.id, clock.now());

    // Lists not paged by query (single objects, body-paged searches) are read with one call.
    if (pageSizeParam(spec.pagination) === undefined) {
      const result = await api.call(op.operationId, input, { signal: ctx.signal });
      if (!result.ok) return failed(result.kind, result.message);
      await savePage(run, op, rule, { page: op.nextPage, items: itemsOf(result.body, rule), lastPage: true });
      return;
    }
    // Each page is saved before the next is asked for, so a retry resumes at op.nextPage.
    let last = false;
    try {
      for await (const page of api.pages(op.operationId, input, {
        signal: ctx.signal,
        pageSize: run.pageSize,
        firstPage: op.nextPage,
        maxPages: MAX_PAGES_PER_OPERATION - op.nextPage + 1,
        items: (body) => itemsOf(body, rule),
      })) {
        if (!(await savePage(run, op, rule, page))) {
          ctx.log.warn(
            { runId: run.id, operationRowId: op.id, page: page.page },
            'bootstrap page already saved by another worker; stopping',
          );
          return;
        }
        last = page.lastPage;
      }
    } catch (err) {
      const f = err instanceof AppError ? (err.details as ClockifyFailure | undefined) : undefined;
      if (f?.ok !== false) throw err;
      return failed(f.kind, f.message);
    }
    if (!last)
      await repo.endOperation(op, 'failed', `stopped after ${MAX_PAGES_PER_OPERATION} pages`, clock.now());
  }

  /** Job bootstrap.operation. Idempotent: a finished operation is not fetched again; a half-done one resumes. */
  async function operationJob(
    payload: { runId: string; operationRowId: string },
    ctx: JobContext,
  ): Promise<void> {
    const run = await repo.getRun(payload.runId);
    const op = await repo.getOperation(payload.operationRowId);
    if (run === null || op === null || run.status !== 'running') return;
    try {
      if (op.status === 'pending' || op.status === 'running') await fetchOperation(run, op, ctx);
    } catch (err) {
      if (ctx.signal.aborted || ctx.attempt < bootstrapOperationJob.maxAttempts) throw err;
      // Out of attempts on something other than Clockify (database, bug): record it and let the run end.
      await repo.endOperation(
        op,
        'failed',
        `internal: ${err instanceof Error ? err.message : String(err)}`,
        clock.now(),
      );
    }
    await finishIfDone(run, ctx);
  }

  /** Job cache.refresh: entries older than the TTL go, and a new run reads everything again. */
  async function refreshJob(workspaceId: string, ctx: JobContext): Promise<void> {
    let ttlDays: number;
    try {
      ttlDays = (await deps.installations.settingsOf(workspaceId)).cache.ttlDays;
    } catch {
      return; // uninstalled
    }
    const dropped = await deps.cache.dropOlderThan(
      workspaceId,
      new Date(clock.now().getTime() - ttlDays * DAY_MS),
    );
    try {
      const { runId } = await trigger(workspaceId, 'refresh');
      ctx.log.info({ workspaceId, dropped, runId }, 'cache refresh started');
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
    }
  }

  async function status(workspaceId: string) {
    await deps.installations.requireInstalled(workspaceId);
    const run = await repo.latestRun(workspaceId);
    if (run === null) return { run: null };
    const { groups, failures } = await repo.operationSummary(run.id, workspaceId);
    const byOp = new Map<string, OperationSummary>();
    for (const g of groups) {
      const s = byOp.get(g.operationId) ?? {
        operationId: g.operationId,
        entityType: g.entityType,
        lists: 0,
        pending: 0,
        running: 0,
        done: 0,
        skipped: 0,
        failed: 0,
        pages: 0,
        entities: 0,
      };
      s.lists += g._count._all;
      s[g.status] += g._count._all;
      s.pages += g._sum.pagesFetched ?? 0;
      s.entities += g._sum.entities ?? 0;
      byOp.set(g.operationId, s);
    }
    const plan = run.plan as unknown as Partial<BootstrapPlan>;
    const open = run.status === 'queued' || run.status === 'running';
    return {
      run: {
        id: run.id,
        status: run.status,
        trigger: run.trigger,
        ratePerSecond: run.ratePerSecond,
        pageSize: run.pageSize,
        operations: { total: run.opsTotal, done: run.opsDone },
        pages: run.pages,
        entities: run.entities,
        errors: run.errors,
        createdAt: run.createdAt.toISOString(),
        startedAt: run.startedAt?.toISOString() ?? null,
        finishedAt: run.finishedAt?.toISOString() ?? null,
        estimatedSecondsLeft: open ? estimateSecondsLeft(run) : 0,
        lastError: run.lastError,
        summary: [...byOp.values()].sort((a, b) => a.operationId.localeCompare(b.operationId)),
        failures: failures.map((f) => ({
          operationId: f.operationId,
          params: f.paramsKey,
          status: f.status,
          reason: f.error ?? '',
        })),
        excluded: plan.excluded ?? [],
      },
    };
  }

  return {
    trigger: (workspaceId: string, by: BootstrapTrigger) => trigger(workspaceId, by),
    /**
     * For the install hook (`by` = 'installed'): starts the installation's bootstrap unless a run is active
     * (a reinstall during a run keeps it), and at most once per installation (token): installation.setup is
     * retried when a later step fails, and a retry must not bootstrap the workspace again.
     */
    async triggerIfIdle(workspaceId: string, by: BootstrapTrigger): Promise<string | null> {
      let installKey: string | null = null;
      if (by === 'installed') {
        const connection = await deps.installations.clockifyConnection(workspaceId);
        if (connection === null) return null; // uninstalled meanwhile
        installKey = installationKeyOf(connection.token);
        if ((await repo.runForInstallation(workspaceId, installKey)) !== null) return null;
      }
      try {
        return (await trigger(workspaceId, by, installKey)).runId;
      } catch (err) {
        if (err instanceof AppError && (err.code === 'CONFLICT' || err.code === 'INSTALLATION_NOT_FOUND'))
          return null;
        throw err;
      }
    },
    runJob,
    operationJob,
    refreshJob,
    status,
  };
}
export type BootstrapService = ReturnType<typeof createBootstrapService>;

type OperationSummary = {
  operationId: string;
  entityType: string;
  lists: number;
  pending: number;
  running: number;
  done: number;
  skipped: number;
  failed: number;
  pages: number;
  entities: number;
};
