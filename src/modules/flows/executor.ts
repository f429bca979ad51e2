import type { Logger } from 'pino';
import type { Catalogue } from '../../integrations/clockify/catalogue.js';
import type { ClockifyClient, ClockifyConnection } from '../../integrations/clockify/clockify.client.js';
import type { QueryValue } from '../../integrations/clockify/clockify.urls.js';
import { Reschedule, RetryAt } from '../../jobs/catalog.js';
import type { JobContext, JobResult } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import { errorReason } from '../../platform/errors.js';
import { deadline } from '../../platform/deadline.js';
import { newSortableId } from '../../platform/ids.js';
import type { SafeHttp } from '../../platform/safe-http/index.js';
import { evaluate } from './conditions.js';
import type { ActionResult, FlowContext } from './context.js';
import type { FlowAction, FlowDefinition } from './definition.js';
import {
  type ExecutionEvent,
  type ExecutionsRepo,
  type RunState,
  type StoredStep,
  runStateFromClaimRead,
} from './executions.repo.js';
import { type CacheReader, cacheLookupFrom } from './flow-matcher.js';
import { renderAction } from './render-action.js';
import {
  type CallOutcome,
  capBody,
  classOfStatus,
  nextRetryDelay,
  parseBody,
  redactHeaders,
  redactUrl,
  retryPolicyOf,
} from './step-policy.js';
import { listCacheReferences } from './templates.js';

/** The outbound-webhooks feature's sender (the `webhook` action); absent → such steps fail clearly. */
export type WebhookSender = {
  send(input: {
    workspaceId: string;
    endpointId: string;
    eventType: string;
    payload: unknown;
    idempotencyKey: string;
  }): Promise<{ messageId: string }>;
};

/** Told about every execution that ends `failed` (outbound webhooks deliver `flow.execution.failed`). */
export type ExecutionFailedHook = (e: {
  workspaceId: string;
  flowId: string;
  executionId: string;
  eventId: string;
  error: string;
}) => Promise<void>;

/** Test seams: `afterCall` runs between an action's call and the write of its outcome (crash tests). */
export type ExecutorHooks = {
  afterCall?: (info: { executionId: string; actionId: string; attempt: number }) => Promise<void> | void;
};

export type ExecutorDeps = {
  executions: ExecutionsRepo;
  catalogue: Pick<Catalogue, 'get'>;
  clockify: Pick<ClockifyClient, 'connect'>;
  connection: (workspaceId: string) => Promise<ClockifyConnection | null>;
  safeHttp: Pick<SafeHttp, 'send'>;
  /** Installation active and the workspace's flow settings. */
  workspace: (workspaceId: string) => Promise<{ active: boolean; allowHttp: boolean }>;
  cache: CacheReader;
  webhookSender?: WebhookSender | undefined;
  onExecutionFailed?: ExecutionFailedHook | undefined;
  clock: Clock;
  log: Logger;
  random?: () => number;
  hooks: ExecutorHooks;
  maxAttempts: number;
};

const TERMINAL = new Set(['succeeded', 'failed', 'outcome_unknown']);
const DEFAULT_TIMEOUT_MS = 30_000;

/** The flow.execute job's payload (`flowId` and `version` let the run skip reading a cached definition). */
export type ExecutePayload = { workspaceId: string; executionId: string; flowId?: string; version?: number };

/** The idempotency key of an action within an execution: the same for every attempt of it. */
export const idempotencyKeyOf = (executionId: string, actionId: string) => `${executionId}:${actionId}`;

/**
 * The flow.execute job: runs an execution's actions in order, each attempt a durable step. A step row
 * is committed `started` (with its idempotency key) before the call and completed after it, so a job
 * retried after a crash skips what completed, calls a read again, and stops a write it cannot know the
 * outcome of as `outcome_unknown`. A retry of an action is this job's RetryAt: no worker waits.
 */
export function createExecutor(deps: ExecutorDeps) {
  const { executions: repo, clock } = deps;
  const random = deps.random ?? Math.random;

  function isIdempotent(action: FlowAction): boolean {
    if (action.type === 'clockify') {
      const op = deps.catalogue.get(String(action.operationId));
      return op?.method === 'GET';
    }
    if (action.type === 'http') return action.method === 'GET' || action.method === 'HEAD';
    // The webhook sender takes the idempotency key: a second send of the same key is one message.
    return action.type === 'webhook';
  }

  function methodOf(action: FlowAction): string {
    if (action.type === 'clockify')
      return deps.catalogue.get(String(action.operationId))?.method ?? 'clockify';
    return typeof action.method === 'string' ? action.method : action.type;
  }

  type Exec = RunState['execution'];

  /** Ends the execution as `status` (unless it already ended), then tells the failure hook. */
  async function fail(exec: Exec, status: 'failed' | 'outcome_unknown', error: string) {
    const changed = await repo.setStatus(exec.workspaceId, exec.id, status, clock.now(), {
      error: error.slice(0, 2_000),
      finished: true,
    });
    await ended(exec, status, error, changed);
  }

  /** After an execution's end was written: a `failed` one that this run ended goes to the hook. */
  async function ended(exec: Exec, status: string, error: string, changed: boolean) {
    if (changed && status === 'failed' && deps.onExecutionFailed !== undefined) {
      try {
        await deps.onExecutionFailed({
          workspaceId: exec.workspaceId,
          flowId: exec.flowId,
          executionId: exec.id,
          eventId: exec.eventId,
          error,
        });
      } catch (err) {
        deps.log.warn({ err, executionId: exec.id }, 'flow.execution.failed hook failed');
      }
    }
  }

  function describe(action: FlowAction): unknown {
    switch (action.type) {
      case 'clockify': {
        const op = deps.catalogue.get(String(action.operationId));
        return {
          operationId: action.operationId,
          method: op?.method ?? null,
          path: op?.path ?? null,
          pathParams: action.pathParams ?? {},
          query: action.query ?? {},
          ...(action.body !== undefined ? { body: action.body } : {}),
        };
      }
      case 'http':
        return {
          method: action.method,
          url: redactUrl(String(action.url)),
          headers: redactHeaders(action.headers as Record<string, string> | undefined),
          ...(action.body !== undefined ? { body: action.body } : {}),
        };
      case 'webhook':
        return { endpointId: action.endpointId, payload: action.payload ?? null };
      default:
        return { type: action.type };
    }
  }

  /** A Clockify action's call, within `within` (the job's signal and the step's timeout). */
  async function callClockify(
    exec: Exec,
    action: FlowAction,
    timeoutMs: number,
    signal: AbortSignal,
    within: AbortSignal,
  ): Promise<CallOutcome> {
    const conn = await deps.connection(exec.workspaceId);
    if (conn === null)
      return {
        ok: false,
        errorClass: 'unavailable',
        error: 'the workspace has no Clockify connection (is the add-on installed?)',
        status: null,
        body: null,
      };
    const pathParams: Record<string, string> = {};
    for (const [k, v] of Object.entries((action.pathParams ?? {}) as Record<string, unknown>))
      pathParams[k] = String(v);
    try {
      const r = await deps.clockify.connect(conn).call(
        String(action.operationId),
        {
          pathParams,
          ...(action.query !== undefined ? { query: action.query as Record<string, QueryValue> } : {}),
          ...(action.body !== undefined ? { body: action.body } : {}),
        },
        { signal: within },
      );
      if (r.ok) return { ok: true, status: r.status, body: r.body ?? null };
      const errorClass =
        r.kind === 'rate-limited'
          ? 'rate-limited'
          : r.kind === 'upstream'
            ? 'server'
            : r.kind === 'network'
              ? 'network'
              : r.kind === 'timeout'
                ? 'timeout'
                : 'client';
      return {
        ok: false,
        errorClass,
        error: r.message,
        status: r.status ?? null,
        body: null,
        ...(r.retryAfterS !== undefined ? { retryAfterMs: r.retryAfterS * 1_000 } : {}),
      };
    } catch (err) {
      if (signal.aborted) throw err;
      return {
        ok: false,
        errorClass: 'timeout',
        error: `no answer within ${timeoutMs} ms`,
        status: null,
        body: null,
      };
    }
  }

  async function call(
    exec: Exec,
    action: FlowAction,
    key: string,
    allowHttp: boolean,
    signal: AbortSignal,
  ): Promise<CallOutcome> {
    const timeoutMs = action.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    switch (action.type) {
      case 'clockify': {
        const limit = deadline(timeoutMs, signal);
        try {
          return await callClockify(exec, action, timeoutMs, signal, limit.signal);
        } finally {
          limit.done();
        }
      }
      case 'http': {
        if (!allowHttp)
          return {
            ok: false,
            errorClass: 'blocked',
            error: 'generic HTTP actions are off for this workspace (setting flows_allow_http)',
            status: null,
            body: null,
          };
        const hasBody = action.body !== undefined;
        const r = await deps.safeHttp.send({
          method: action.method as 'GET',
          url: String(action.url),
          headers: {
            ...((action.headers ?? {}) as Record<string, string>),
            'idempotency-key': key,
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          ...(hasBody ? { body: JSON.stringify(action.body) } : {}),
          timeoutMs,
          signal,
        });
        if (r.kind === 'response') {
          const body = parseBody(r.body, r.headers['content-type']);
          if (r.status >= 200 && r.status < 300) return { ok: true, status: r.status, body };
          return {
            ok: false,
            errorClass: classOfStatus(r.status),
            error: `HTTP ${r.status}`,
            status: r.status,
            body,
            ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}),
          };
        }
        if (r.kind === 'blocked')
          return { ok: false, errorClass: 'blocked', error: r.message, status: null, body: null };
        if (r.kind === 'invalid')
          return { ok: false, errorClass: 'invalid', error: r.message, status: null, body: null };
        if (r.kind === 'aborted') throw new Error('aborted');
        return {
          ok: false,
          errorClass: r.kind === 'timeout' ? 'timeout' : 'network',
          error: r.message,
          status: r.status ?? null,
          body: null,
        };
      }
      case 'webhook': {
        if (deps.webhookSender === undefined)
          return {
            ok: false,
            errorClass: 'unavailable',
            error: 'outbound webhooks are not available',
            status: null,
            body: null,
          };
        try {
          const r = await deps.webhookSender.send({
            workspaceId: exec.workspaceId,
            endpointId: String(action.endpointId),
            eventType: 'flow.action',
            payload: action.payload ?? null,
            idempotencyKey: key,
          });
          return { ok: true, status: 202, body: { messageId: r.messageId } };
        } catch (err) {
          return { ok: false, errorClass: 'unavailable', error: errorReason(err), status: null, body: null };
        }
      }
      default:
        return {
          ok: false,
          errorClass: 'invalid',
          error: `unknown action type '${action.type}'`,
          status: null,
          body: null,
        };
    }
  }

  const stepRow = (
    exec: Exec,
    action: FlowAction,
    index: number,
    attempt: number,
    patch: Partial<StoredStep>,
  ): StoredStep => ({
    workspaceId: exec.workspaceId,
    id: newSortableId('fst'),
    executionId: exec.id,
    actionId: action.id,
    actionIndex: index,
    attempt,
    state: 'started',
    idempotencyKey: idempotencyKeyOf(exec.id, action.id),
    request: null,
    status: null,
    responseBody: null,
    bodyTruncated: false,
    latencyMs: null,
    errorClass: null,
    error: null,
    retryAt: null,
    copiedFrom: null,
    startedAt: clock.now(),
    finishedAt: null,
    ...patch,
  });

  async function withCache(ctx: FlowContext, value: unknown, workspaceId: string): Promise<FlowContext> {
    const refs = listCacheReferences(value, ctx);
    return refs.length === 0 ? ctx : { ...ctx, cache: cacheLookupFrom(await deps.cache(workspaceId, refs)) };
  }

  /** Versions are immutable, so their definitions are kept in memory: `flowId\u0000version` → definition. */
  const definitions = new Map<string, FlowDefinition>();
  const DEFINITIONS_MAX = 2_000;

  async function run(payload: ExecutePayload, ctx: JobContext): Promise<JobResult> {
    // One read: the execution, its steps, and the version's definition unless this process has it already
    // (jobs enqueued before the payload named the flow and version always read it).
    const hinted =
      payload.flowId !== undefined && payload.version !== undefined
        ? definitions.get(`${payload.flowId}\u0000${payload.version}`)
        : undefined;
    // Usually the claim read it already (runClaimRead, without the definition this process keeps).
    const read = hinted === undefined ? null : runStateFromClaimRead(ctx.read);
    const state =
      read !== null && read.execution.flowId === payload.flowId && read.execution.version === payload.version
        ? read
        : await repo.runState(payload.workspaceId, payload.executionId, hinted === undefined);
    if (state === null || TERMINAL.has(state.execution.status)) return;
    const exec = state.execution;
    if (!state.versionExists) return fail(exec, 'failed', `flow version ${exec.version} no longer exists`);
    const key = `${exec.flowId}\u0000${exec.version}`;
    let definition =
      payload.flowId === exec.flowId && payload.version === exec.version ? hinted : definitions.get(key);
    if (definition === undefined) {
      if (state.definition === null) throw new Error(`flow version ${exec.version} was not read`);
      definition = state.definition as FlowDefinition;
      definitions.set(key, definition);
      if (definitions.size > DEFINITIONS_MAX) definitions.delete(definitions.keys().next().value as string);
    }
    const ws = await deps.workspace(exec.workspaceId);
    if (!ws.active) return fail(exec, 'failed', 'the installation is not active');
    // The execution becomes `running` with its first write (a step), in the same statement.
    let running = exec.status === 'running';
    const writeStep = async (step: StoredStep) => {
      await repo.writeStep(step, !running);
      running = true;
    };

    const event = exec.event as ExecutionEvent;
    const base: FlowContext = {
      webhook: event.payload,
      event: {
        id: event.id,
        type: event.type,
        source: event.sourceKind === 'clockify' ? 'clockify' : (event.sourceId ?? 'custom'),
        receivedAt: event.receivedAt,
      },
      workspace: { id: exec.workspaceId },
      flow: { id: exec.flowId, version: exec.version },
      execution: { id: exec.id },
    };
    const steps = state.steps;
    const results: ActionResult[] = [];
    const actions = definition.actions;

    for (const [index, action] of actions.entries()) {
      const isLast = index === actions.length - 1;
      const mine = steps.filter((s) => s.actionIndex === index);
      const last = mine.at(-1);
      const resultOf = (s: { status: number | null; responseBody: unknown }): ActionResult => ({
        id: action.id,
        index,
        status: s.status,
        body: s.responseBody ?? null,
      });
      if (last?.state === 'succeeded') {
        results.push(resultOf(last));
        continue;
      }
      if (last?.state === 'skipped') continue;
      if (last?.state === 'failed' && last.retryAt === null) {
        // Its final failure was recorded by an earlier run (onError continue), or the execution was ending.
        if (action.onError === 'continue') {
          results.push(resultOf(last));
          continue;
        }
        return fail(exec, 'failed', `action '${action.id}' failed: ${last.error ?? 'unknown error'}`);
      }
      const idempotent = isIdempotent(action);
      if (last?.state === 'started') {
        // Called, but the outcome was never written (a crash, a lost lease).
        const unknown = `action '${action.id}' (${methodOf(action)}) may have been sent, but its outcome was not recorded; it was not sent again. Check the target, then retry the execution if needed.`;
        const settled = await repo.settleStep(
          exec.workspaceId,
          exec.id,
          last.id,
          {
            state: 'failed',
            errorClass: 'interrupted',
            error: idempotent
              ? 'interrupted before its outcome was recorded; called again'
              : 'interrupted before its outcome was recorded: the request may have been sent',
            finishedAt: clock.now(),
          },
          idempotent ? undefined : { status: 'outcome_unknown', error: unknown, finished: true },
        );
        if (!idempotent) return ended(exec, 'outcome_unknown', unknown, settled.execution);
      }
      if (last?.state === 'failed' && last.retryAt !== null && last.retryAt > clock.now())
        throw new Reschedule(last.retryAt, 'action retry not due yet');
      const attempt = (last?.attempt ?? 0) + 1;

      let context: FlowContext = { ...base, actions: [...results] };
      if (action.when !== undefined) {
        context = await withCache(context, action.when, exec.workspaceId);
        if (!evaluate(action.when, context, { location: `actions[${index}].when` }).result) {
          await writeStep(
            stepRow(exec, action, index, attempt, { state: 'skipped', finishedAt: clock.now() }),
          );
          continue;
        }
      }
      context = await withCache(context, action, exec.workspaceId);
      const rendered = renderAction(action, index, context);
      if (!rendered.ok) {
        await writeStep(
          stepRow(exec, action, index, attempt, {
            state: 'failed',
            errorClass: 'template',
            error: rendered.error.message.slice(0, 2_000),
            finishedAt: clock.now(),
          }),
        );
        if (action.onError === 'continue') continue;
        return fail(exec, 'failed', `action '${action.id}': ${rendered.error.message}`);
      }
      const step = stepRow(exec, action, index, attempt, { request: describe(rendered.action) as never });
      await writeStep(step); // committed before the call
      const started = Date.now();
      const outcome = await call(exec, rendered.action, step.idempotencyKey, ws.allowHttp, ctx.signal);
      await deps.hooks.afterCall?.({ executionId: exec.id, actionId: action.id, attempt });
      const latencyMs = Date.now() - started;
      const stored = capBody(outcome.body);
      if (outcome.ok) {
        // The last action's outcome, the execution's success and the job's completion are one statement.
        const settled = await repo.settleStep(
          exec.workspaceId,
          exec.id,
          step.id,
          {
            state: 'succeeded',
            status: outcome.status,
            responseBody: stored.body,
            bodyTruncated: stored.truncated,
            latencyMs,
            finishedAt: clock.now(),
          },
          isLast ? { status: 'succeeded', error: null, finished: true } : undefined,
          isLast && ctx.workerId !== undefined ? { jobId: ctx.jobId, workerId: ctx.workerId } : undefined,
        );
        if (isLast) return settled.job ? 'settled' : undefined;
        results.push({ id: action.id, index, status: outcome.status, body: outcome.body });
        continue;
      }
      const delay = nextRetryDelay({ outcome, attempt, policy: retryPolicyOf(action, idempotent), random });
      const retryAt = delay === null ? null : new Date(clock.now().getTime() + delay);
      const stop = retryAt === null && action.onError !== 'continue';
      const failure = `action '${action.id}' failed: ${outcome.error}`;
      const settled = await repo.settleStep(
        exec.workspaceId,
        exec.id,
        step.id,
        {
          state: 'failed',
          status: outcome.status,
          responseBody: stored.body,
          bodyTruncated: stored.truncated,
          latencyMs,
          errorClass: outcome.errorClass,
          error: outcome.error.slice(0, 2_000),
          retryAt,
          finishedAt: clock.now(),
        },
        retryAt !== null
          ? { status: 'waiting' }
          : stop
            ? { status: 'failed', error: failure.slice(0, 2_000), finished: true }
            : isLast
              ? { status: 'succeeded', error: null, finished: true }
              : undefined,
      );
      if (retryAt !== null)
        throw new RetryAt(retryAt, `action '${action.id}' attempt ${attempt}: ${outcome.error}`);
      if (stop) return ended(exec, 'failed', failure, settled.execution);
      if (isLast) return;
      results.push({ id: action.id, index, status: outcome.status, body: outcome.body });
    }
    await repo.setStatus(exec.workspaceId, exec.id, 'succeeded', clock.now(), {
      finished: true,
      error: null,
    });
  }

  return {
    async execute(payload: ExecutePayload, ctx: JobContext): Promise<JobResult> {
      try {
        return await run(payload, ctx);
      } catch (err) {
        if (err instanceof RetryAt || err instanceof Reschedule || ctx.attempt < deps.maxAttempts) throw err;
        const state = await repo.runState(payload.workspaceId, payload.executionId, false);
        if (state !== null) await fail(state.execution, 'failed', `internal error: ${errorReason(err)}`);
        throw err;
      }
    },
  };
}
export type Executor = ReturnType<typeof createExecutor>;
