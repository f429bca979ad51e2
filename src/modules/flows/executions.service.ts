import { keysetPage, timeRange } from '../../platform/pagination.js';
import type { Logger } from 'pino';
import { enqueue } from '../../jobs/queue.js';
import type { JobContext } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { newSortableId } from '../../platform/ids.js';
import type { Db } from '../../store/database.js';
import { withTransaction } from '../../store/tx.js';
import type { EventsService } from '../ingestion/events.service.js';
import type { FlowDefinition } from './definition.js';
import type { ExecutionsRepo, StoredExecution, StoredReplay, StoredStep } from './executions.repo.js';
import type { FlowMatcher } from './flow-matcher.js';
import { flowExecuteJob, flowReplayJob } from './flows.jobs.js';
import type { ListExecutionsQuery, ReplayFilter } from './flows.schemas.js';
import type { FlowsService } from './flows.service.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const executionSummary = (e: StoredExecution) => ({
  id: e.id,
  flowId: e.flowId,
  version: e.version,
  eventId: e.eventId,
  replayOf: e.replayOf,
  origin: e.origin as 'event' | 'replay' | 'retry',
  status: e.status as 'queued',
  error: e.error,
  createdAt: e.createdAt.toISOString(),
  startedAt: iso(e.startedAt),
  finishedAt: iso(e.finishedAt),
});

const stepView = (s: StoredStep) => ({
  id: s.id,
  actionId: s.actionId,
  actionIndex: s.actionIndex,
  attempt: s.attempt,
  state: s.state as 'started',
  idempotencyKey: s.idempotencyKey,
  request: s.request,
  status: s.status,
  responseBody: s.responseBody,
  bodyTruncated: s.bodyTruncated,
  latencyMs: s.latencyMs,
  errorClass: s.errorClass,
  error: s.error,
  retryAt: iso(s.retryAt),
  copiedFrom: s.copiedFrom,
  startedAt: s.startedAt.toISOString(),
  finishedAt: iso(s.finishedAt),
});

const replayView = (r: StoredReplay) => ({
  id: r.id,
  flowId: r.flowId,
  filter: r.filter,
  status: r.status as 'running',
  scanned: r.scanned,
  executions: r.executions,
  error: r.error,
  createdAt: r.createdAt.toISOString(),
  finishedAt: iso(r.finishedAt),
});

/** Keyset cursor over (createdAt, id), newest first; opaque to clients. */
const encodeCursor = (e: StoredExecution) =>
  Buffer.from(`${e.createdAt.toISOString()}|${e.id}`).toString('base64url');
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (id === undefined || !/^fex_[0-9a-z]{20}$/.test(id) || Number.isNaN(createdAt.getTime()))
    throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor from this API', {
      details: { field: 'cursor' },
    });
  return { createdAt, id };
}

const TERMINAL = new Set(['succeeded', 'failed', 'outcome_unknown']);
const REPLAY_PAGE = 100;

/**
 * Executions for the admin API: lists, the step trace, retries (from the start or from the failed step,
 * reusing the recorded outputs before it), replays of stored events, and flow stats for the dashboard.
 */
export function createExecutionsService(deps: {
  db: Db;
  repo: ExecutionsRepo;
  flows: Pick<FlowsService, 'requireFlow' | 'definitionAt'>;
  matcher: Pick<FlowMatcher, 'replay'>;
  events: Pick<EventsService, 'processedEvents' | 'list'>;
  clock: Clock;
  log: Logger;
  wake: () => void;
}) {
  const { repo, clock } = deps;

  async function requireExecution(workspaceId: string, id: string): Promise<StoredExecution> {
    const e = await repo.get(workspaceId, id);
    if (e === null) throw new AppError('NOT_FOUND', `No execution ${id} in this workspace`);
    return e;
  }

  async function list(workspaceId: string, q: ListExecutionsQuery) {
    const { from, to } = timeRange(q);
    const rows = await repo.list(workspaceId, {
      status: q.status,
      flowId: q.flowId,
      eventId: q.eventId,
      from,
      to,
      before: q.cursor !== undefined ? decodeCursor(q.cursor) : undefined,
      limit: q.limit + 1,
    });
    return keysetPage(rows, q.limit, executionSummary, encodeCursor);
  }

  return {
    list,

    async listForFlow(workspaceId: string, flowId: string, q: ListExecutionsQuery) {
      await deps.flows.requireFlow(workspaceId, flowId);
      return list(workspaceId, { ...q, flowId });
    },

    async get(workspaceId: string, id: string) {
      const e = await requireExecution(workspaceId, id);
      return { ...executionSummary(e), steps: (await repo.steps(workspaceId, id)).map(stepView) };
    },

    /**
     * A new execution (origin `retry`, `replayOf` the original) of the same event. `from: failed-step`
     * copies the original's completed steps before its first failed one (same action ids at the same
     * places), so they are not run again and later actions see their recorded results.
     */
    async retry(
      workspaceId: string,
      id: string,
      opts: { from: 'failed-step' | 'start'; version: 'original' | 'current' },
    ) {
      const original = await requireExecution(workspaceId, id);
      if (original.status === 'skipped')
        throw new AppError(
          'CONFLICT',
          `Execution ${id} was skipped (its conditions did not hold): replay the event to evaluate them again`,
        );
      if (!TERMINAL.has(original.status))
        throw new AppError('CONFLICT', `Execution ${id} is still ${original.status}; retry it once it ended`);
      let version = original.version;
      if (opts.version === 'current')
        version = (await deps.flows.requireFlow(workspaceId, original.flowId)).currentVersion;
      const definition = await deps.flows.definitionAt(workspaceId, original.flowId, version);
      if (definition === null) throw new AppError('NOT_FOUND', `Flow version ${version} no longer exists`);
      const newId = newSortableId('fex');
      if (opts.from === 'failed-step') {
        const before = await repo.steps(workspaceId, id);
        const copies = reusableSteps(before, definition).map((s) => ({
          ...s,
          id: newSortableId('fst'),
          executionId: newId,
          idempotencyKey: `${newId}:${s.actionId}`,
          copiedFrom: s.id,
        }));
        await repo.insertSteps(copies);
      }
      await repo.insertForEvent(
        workspaceId,
        original.event as never,
        [{ id: newId, flowId: original.flowId, version }],
        'retry',
        original.id,
        flowExecuteJob,
        clock.now(),
      );
      deps.wake();
      return executionSummary(await requireExecution(workspaceId, newId));
    },

    /** One stored event through the workspace's current flows, as new executions (origin `replay`). */
    async replayEvent(workspaceId: string, eventId: string) {
      const [event] = await deps.events.processedEvents(workspaceId, [eventId]);
      if (event === undefined) throw new AppError('NOT_FOUND', `No event ${eventId} in this workspace`);
      const ids = await deps.matcher.replay(event, { token: newSortableId('rpl') });
      return { executions: ids };
    },

    /** Starts a background replay of stored events (filter) through one flow; progress on its row. */
    async startReplay(workspaceId: string, flowId: string, filter: ReplayFilter) {
      const flow = await deps.flows.requireFlow(workspaceId, flowId);
      if (!flow.enabled)
        throw new AppError('CONFLICT', `Flow ${flowId} is disabled; enable it to replay events`);
      if (filter.from && filter.to && new Date(filter.from) > new Date(filter.to))
        throw new AppError('VALIDATION_FAILED', 'body.from: must not be after to', {
          details: { field: 'from' },
        });
      const id = newSortableId('frp');
      await withTransaction(deps.db, async (tx) => {
        await repo.createReplay(
          {
            workspaceId,
            id,
            flowId,
            filter,
            status: 'running',
            scanned: 0,
            executions: 0,
            cursor: null,
            error: null,
            createdAt: clock.now(),
            finishedAt: null,
          },
          tx,
        );
        await enqueue(
          tx,
          flowReplayJob,
          { workspaceId, replayId: id },
          { workspaceId, dedupeKey: `flow.replay:${id}` },
        );
      });
      deps.wake();
      return replayView((await repo.getReplay(workspaceId, id))!);
    },

    async getReplay(workspaceId: string, flowId: string, replayId: string) {
      const r = await repo.getReplay(workspaceId, replayId);
      if (r === null || r.flowId !== flowId)
        throw new AppError('NOT_FOUND', `No replay ${replayId} of this flow`);
      return replayView(r);
    },

    /** The flow.replay job: pages through the event log (newest first), resuming at its stored cursor. */
    async runReplay(payload: { workspaceId: string; replayId: string }, ctx: JobContext) {
      const { workspaceId, replayId } = payload;
      const r = await repo.getReplay(workspaceId, replayId);
      if (r === null || r.status !== 'running') return;
      const filter = r.filter as ReplayFilter;
      const types = filter.eventTypes === undefined ? undefined : new Set(filter.eventTypes);
      let { scanned, executions } = r;
      let cursor = r.cursor ?? undefined;
      try {
        while (scanned < filter.limit) {
          if (ctx.signal.aborted) throw new Error('replay interrupted; it resumes at its cursor');
          const page = await deps.events.list(workspaceId, {
            ...(filter.from !== undefined ? { from: filter.from } : {}),
            ...(filter.to !== undefined ? { to: filter.to } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
            limit: Math.min(REPLAY_PAGE, filter.limit - scanned),
          });
          const wanted = page.items
            .filter((e) => types === undefined || types.has(e.eventType))
            .map((e) => e.id);
          for (const event of await deps.events.processedEvents(workspaceId, wanted)) {
            const ids = await deps.matcher.replay(event, {
              flowId: r.flowId,
              token: `${replayId}:${scanned}`,
            });
            executions += ids.length;
          }
          scanned += page.items.length;
          cursor = page.nextCursor ?? undefined;
          await repo.updateReplay(workspaceId, replayId, { scanned, executions, cursor: cursor ?? null });
          if (page.nextCursor === null) break;
        }
        await repo.updateReplay(workspaceId, replayId, { status: 'succeeded', finishedAt: clock.now() });
      } catch (err) {
        if (ctx.attempt >= flowReplayJob.maxAttempts)
          await repo.updateReplay(workspaceId, replayId, {
            status: 'failed',
            error: String(err).slice(0, 500),
            finishedAt: clock.now(),
          });
        throw err;
      }
    },

    /** Executions by status in the last 24 h, skips counted since yesterday, and the latest executions. */
    async stats(workspaceId: string) {
      const since = new Date(clock.now().getTime() - 86_400_000);
      const { byStatus, skipped } = await repo.stats(workspaceId, since);
      const recent = await repo.list(workspaceId, { limit: 10 });
      return { last24h: byStatus, skippedLast24h: skipped, recent: recent.map(executionSummary) };
    },
  };
}
export type ExecutionsService = ReturnType<typeof createExecutionsService>;

/**
 * The steps a retry from the failed step reuses: for each action before the first one whose last
 * attempt did not succeed (or was not skipped), that last attempt, when the target definition has the
 * same action id at the same place.
 */
export function reusableSteps(steps: readonly StoredStep[], definition: FlowDefinition): StoredStep[] {
  const out: StoredStep[] = [];
  for (const [index, action] of definition.actions.entries()) {
    const last = steps.filter((s) => s.actionIndex === index).at(-1);
    if (last === undefined || last.actionId !== action.id) break;
    if (last.state !== 'succeeded' && last.state !== 'skipped') break;
    out.push({ ...last, attempt: 1 });
  }
  return out;
}
