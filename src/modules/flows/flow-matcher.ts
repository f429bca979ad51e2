import type { Logger } from 'pino';
import type { JobDefinition } from '../../jobs/catalog.js';
import type { Clock } from '../../platform/clock.js';
import { newSortableId } from '../../platform/ids.js';
import type { EventProcessor, ProcessedEvent } from '../ingestion/event-processors.js';
import { evaluate } from './conditions.js';
import { type FlowContext, flowContextFor } from './context.js';
import type { FlowDefinition } from './definition.js';
import { type TriggerIndex, createTriggerIndex, explainTrigger } from './event-match.js';
import type { ExecutionEvent, ExecutionsRepo, NewExecution } from './executions.repo.js';
import type { FlowsRepo } from './flows.repo.js';
import { explainSkip } from './record-skips.js';
import { listCacheReferences } from './templates.js';

export type IndexedFlow = { id: string; version: number; definition: FlowDefinition };

/** Cached entities for conditions' `cache…` paths, keyed `type\u0000id`. */
export type CacheReader = (
  workspaceId: string,
  refs: readonly { entityType: string; id: string }[],
) => Promise<Map<string, unknown>>;

export const cacheLookupFrom =
  (found: Map<string, unknown>) =>
  (entityType: string, id: string): unknown =>
    found.get(`${entityType}\u0000${id}`);

export const executionEventOf = (e: ProcessedEvent): ExecutionEvent => ({
  id: e.id,
  type: e.eventType,
  sourceKind: e.sourceKind,
  sourceId: e.sourceId,
  receivedAt: e.receivedAt.toISOString(),
  payload: e.payload,
});

/** Whether a flow runs for an event: trigger (source, type, filter) and conditions. Pure but for cache reads. */
export async function flowMatches(
  flow: IndexedFlow,
  event: ProcessedEvent,
  executionId: string,
  cache: CacheReader,
): Promise<boolean> {
  const d = flow.definition;
  const base: FlowContext = flowContextFor(event, {
    flow: { id: flow.id, version: flow.version },
    execution: { id: executionId },
  });
  const refs = [
    ...(d.trigger.filter !== undefined ? listCacheReferences(d.trigger.filter, base) : []),
    ...(d.conditions !== undefined ? listCacheReferences(d.conditions, base) : []),
  ];
  const ctx =
    refs.length === 0 ? base : { ...base, cache: cacheLookupFrom(await cache(event.workspaceId, refs)) };
  if (!explainTrigger(d.trigger, event, { context: ctx }).matched) return false;
  return d.conditions === undefined || evaluate(d.conditions, ctx).result;
}

/** Job ids remembered per workspace index; past it the set starts again (those jobs check once more). */
const CHECKED_BY_MAX = 256;

type WorkspaceIndex = {
  generation: bigint;
  index: TriggerIndex<IndexedFlow>;
  /**
   * The jobs that confirmed this generation: one check per event.process job (a batch), not per event,
   * however the events of concurrent jobs of one workspace interleave (a single "last job" made them read
   * it again at each turn: 2 249 reads for 1 368 jobs in bench:flows).
   */
  checkedBy: Set<string>;
};

/**
 * The flows' EventProcessor: for each event, the enabled flows of its workspace whose trigger and
 * conditions hold each get exactly one execution (inserted with its flow.execute job in one statement;
 * a second run of event.process inserts nothing). Flows whose trigger matched but conditions did not are
 * counted per day, and stored as `skipped` executions only when the flow asks (`recordSkips`). The trigger
 * index is kept per workspace in memory and rebuilt when the workspace's generation counter (bumped by every
 * flow change, on any instance) moves.
 */
export function createFlowMatcher(deps: {
  flows: Pick<FlowsRepo, 'matchable' | 'generation'>;
  executions: Pick<ExecutionsRepo, 'insertForEvent' | 'countSkips' | 'insertSkipped'>;
  /** Whether flows run for the workspace (installation active, `flows_enabled`). */
  flowsActive: (workspaceId: string) => Promise<boolean>;
  cache: CacheReader;
  job: JobDefinition;
  clock: Clock;
  log: Logger;
  wake: () => void;
}) {
  const indexes = new Map<string, WorkspaceIndex>();

  async function indexFor(workspaceId: string, jobId: string): Promise<TriggerIndex<IndexedFlow>> {
    const cached = indexes.get(workspaceId);
    if (cached?.checkedBy.has(jobId) === true) return cached.index;
    const generation = await deps.flows.generation(workspaceId);
    if (cached !== undefined && cached.generation === generation) {
      if (cached.checkedBy.size >= CHECKED_BY_MAX) cached.checkedBy.clear();
      cached.checkedBy.add(jobId);
      return cached.index;
    }
    const flows = await deps.flows.matchable(workspaceId);
    const index = createTriggerIndex(
      flows.map((f) => ({ ...f, definition: f.definition as FlowDefinition })),
      (f) => f.definition.trigger,
    );
    indexes.delete(workspaceId); // re-insert: the Map's order is the eviction order
    indexes.set(workspaceId, { generation, index, checkedBy: new Set([jobId]) });
    if (indexes.size > 10_000) indexes.delete(indexes.keys().next().value as string);
    return index;
  }

  async function match(event: ProcessedEvent, jobId: string, flowFilter?: string) {
    const candidates = (await indexFor(event.workspaceId, jobId))
      .candidates(event)
      .filter((f) => flowFilter === undefined || f.id === flowFilter);
    const run: NewExecution[] = [];
    const skipped: string[] = [];
    const recorded: IndexedFlow[] = []; // skipped flows that record skips (recordSkips)
    for (const flow of candidates) {
      const id = newSortableId('fex');
      if (await flowMatches(flow, event, id, deps.cache))
        run.push({ id, flowId: flow.id, version: flow.version });
      else {
        skipped.push(flow.id);
        if (flow.definition.recordSkips === true) recorded.push(flow);
      }
    }
    return { run, skipped, recorded, candidates: candidates.length };
  }

  async function recordSkipped(event: ProcessedEvent, flows: readonly IndexedFlow[]): Promise<void> {
    const rows = [];
    for (const flow of flows) {
      const id = newSortableId('fex');
      rows.push({
        id,
        flowId: flow.id,
        version: flow.version,
        reason: await explainSkip(flow, event, id, deps.cache),
      });
    }
    await deps.executions.insertSkipped(event.workspaceId, executionEventOf(event), rows, deps.clock.now());
  }

  const processor: EventProcessor = {
    name: 'flows',
    async process(event, ctx) {
      if (!(await deps.flowsActive(event.workspaceId))) return;
      const { run, skipped, recorded } = await match(event, ctx.jobId);
      if (run.length > 0) {
        const inserted = await deps.executions.insertForEvent(
          event.workspaceId,
          executionEventOf(event),
          run,
          'event',
          null,
          deps.job,
          deps.clock.now(),
        );
        if (inserted.length > 0) deps.wake();
      }
      await deps.executions.countSkips(event.workspaceId, skipped, deps.clock.now());
      if (recorded.length > 0) await recordSkipped(event, recorded);
    },
  };

  return {
    processor,
    /** Runs an event through the workspace's current flows (or one flow) as a replay: new executions. */
    async replay(event: ProcessedEvent, opts: { flowId?: string; replayOf?: string | null; token: string }) {
      const { run } = await match(event, opts.token, opts.flowId);
      const inserted = await deps.executions.insertForEvent(
        event.workspaceId,
        executionEventOf(event),
        run,
        'replay',
        opts.replayOf ?? null,
        deps.job,
        deps.clock.now(),
      );
      if (inserted.length > 0) deps.wake();
      return inserted;
    },
    /** This instance changed a workspace's flows: drop its index now (others notice the generation). */
    invalidate(workspaceId: string) {
      indexes.delete(workspaceId);
    },
  };
}
export type FlowMatcher = ReturnType<typeof createFlowMatcher>;
