import { keysetPage, timeRange } from '../../platform/pagination.js';
import type { Logger } from 'pino';
import type { Db } from '../../store/database.js';
import { type JobPool, PermanentJobError, Reschedule, RetryAt } from '../../jobs/catalog.js';
import { enqueue } from '../../jobs/queue.js';
import type { JobContext, JobResult } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import type { Cipher } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { newId, newSortableId } from '../../platform/ids.js';
import {
  type OutboundPolicy,
  type OutboundResult,
  type SafeHttp,
  checkUrl,
} from '../../platform/safe-http/index.js';
import { storableText } from '../../platform/storable-text.js';
import type { RateLimiter } from '../../rate-limit/rate-limiter.js';
import { type Tx, withTransaction } from '../../store/tx.js';
import { checkConditionGroup, checkTemplates } from '../flows/validate.js';
import { jsonLength } from '../flows/values.js';
import type { EventProcessor, ProcessedEvent } from '../ingestion/event-processors.js';
import { type AttemptDecision, classifyAttempt } from './classify-attempt.js';
import { deliveryAttemptJob, deliveryRecoverJob } from './delivery.jobs.js';
import {
  type AttemptView,
  type CreateEndpointBody,
  type EndpointStats,
  type EndpointStatus,
  type EndpointView,
  type EventTypeView,
  GATEWAY_SOURCE,
  type ListMessagesQuery,
  type MessageDetail,
  type MessageSummary,
  type UpdateEndpointBody,
} from './delivery.schemas.js';
import type { EndpointsRepo, NewEndpoint, StoredEndpoint } from './endpoints.repo.js';
import {
  type ClaimedAttempt,
  type DeliveredAttempt,
  type FailedAttempt,
  type FanOutRow,
  type HotPathRepo,
  attemptsFromClaimReads,
} from './hot-path.repo.js';
import { STATIC_EVENT_TYPES, customEventType, findStatic } from './event-catalogue.js';
import {
  type DeliveryEvent,
  buildBody,
  contextOf,
  defaultBody,
  endpointMatches,
  sourceAndTypeMatch,
} from './fan-out.js';
import type { MessagesRepo, NewMessage, StoredAttempt, StoredMessage } from './messages.repo.js';
import { createStatementBatcher } from './statement-batcher.js';
import { DEFAULT_RETRY_SCHEDULE, type RetrySchedule } from './retry-schedule.js';
import {
  MAX_SIGNING_SECRETS,
  type RandomBytes,
  generateSecret,
  webhookHeaders,
} from './standard-webhooks.js';

/** How long a failed attempt's settlement waits for others to share its statement, ms. */
const RETRY_GATHER_MS = 25;

export type DeliveryConfig = {
  /** An endpoint failing continuously this long is disabled (default 5 days). */
  failureWindowMs: number;
  schedule?: RetrySchedule;
};

type Deps = {
  db: Db;
  endpoints: EndpointsRepo;
  messages: MessagesRepo;
  /** The attempt's own statements in plain SQL (claim with endpoint and secrets; a delivery's settlement). */
  hot: HotPathRepo;
  cipher: Cipher;
  clock: Clock;
  http: SafeHttp;
  policy: OutboundPolicy;
  limiter: Pick<RateLimiter, 'reserve'>;
  /** The ingestion service: custom sources' seen types and recent events (catalogue, previews). */
  events: {
    seenCustomTypes(workspaceId: string): Promise<{ sourceId: string; eventType: string }[]>;
    recent(workspaceId: string, limit: number): Promise<ProcessedEvent[]>;
  };
  log: Logger;
  /** After committing jobs: `'outbound'` for attempt jobs (only their runner claims). */
  wake: (pool?: JobPool) => void;
  config: DeliveryConfig;
  /** The workspace's retry schedule (its `delivery_retry_schedule` setting); absent → `config.schedule`. */
  scheduleOf?: (workspaceId: string) => Promise<RetrySchedule>;
  random?: () => number;
  randomBytes: RandomBytes;
};

/** Response bodies are kept up to this many characters per attempt. */
export const MAX_STORED_RESPONSE_CHARS = 4_096;
/** A granted rate-limit slot further away than this is not waited for in the worker: the job is rescheduled. */
const MAX_RATE_WAIT_MS = 2_000;
const TEMPLATE_SCOPE = { roots: ['webhook', 'event', 'workspace'] as const, where: 'the endpoint' };
const USER_AGENT = 'clockify-webhook-gateway';
/** Jobs enqueued per transaction by resume and recover. */
const REQUEUE_BATCH = 200;

/** Flows' `webhook` action: a payload to one endpoint (the flows module's `webhookSender` port). */
export type WebhookSendInput = {
  workspaceId: string;
  endpointId: string;
  eventType: string;
  payload: unknown;
  idempotencyKey: string;
};

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function createDeliveryService(deps: Deps) {
  const { db, endpoints, messages, clock, log } = deps;
  const random = deps.random ?? Math.random;
  const schedule = deps.config.schedule ?? DEFAULT_RETRY_SCHEDULE;

  // ── Views ────────────────────────────────────────────────────────────────────────────────────────

  const endpointView = (e: StoredEndpoint, expiries: Date[] = []): EndpointView => ({
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    sources: e.sources.includes('*') ? '*' : e.sources,
    filter: e.filter ?? null,
    transformation: e.transformation ?? null,
    headers: (e.headers ?? {}) as Record<string, string>,
    timeoutMs: e.timeoutMs,
    rateLimit: e.rateLimit,
    concurrency: e.concurrency,
    status: e.status as EndpointStatus,
    disabledReason: e.disabledReason,
    failingSince: iso(e.failingSince),
    previousSecretsExpireAt: expiries.map((d) => d.toISOString()),
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  });
  const messageSummary = (m: StoredMessage): MessageSummary => ({
    id: m.id,
    endpointId: m.endpointId,
    eventType: m.eventType,
    status: m.status as MessageSummary['status'],
    attempts: m.attempts,
    nextAttemptAt: iso(m.nextAttemptAt),
    lastError: m.lastError,
    createdAt: m.createdAt.toISOString(),
    finishedAt: iso(m.finishedAt),
  });
  const attemptView = (a: StoredAttempt): AttemptView => ({
    id: a.id,
    attemptedAt: a.attemptedAt.toISOString(),
    status: a.status,
    latencyMs: a.latencyMs,
    responseHeaders: (a.responseHeaders ?? null) as Record<string, string> | null,
    responseBody: a.responseBody,
    errorClass: a.errorClass,
    error: a.error,
    address: a.address,
    trigger: a.trigger,
  });

  async function mustGet(workspaceId: string, id: string): Promise<StoredEndpoint> {
    const e = await endpoints.get(workspaceId, id);
    if (e === null) throw new AppError('NOT_FOUND', `No endpoint ${id} in this workspace`);
    return e;
  }
  async function viewOf(e: StoredEndpoint): Promise<EndpointView> {
    const exp = await endpoints.graceExpiries(e.workspaceId, [e.id], clock.now());
    return endpointView(e, exp.get(e.id));
  }

  // ── Save-time checks ────────────────────────────────────────────────────────────────────────────

  function checkEndpointUrl(url: string): void {
    const r = checkUrl(url, deps.policy);
    if (!r.ok)
      throw new AppError('URL_NOT_ALLOWED', `url: ${r.message}`, {
        details: { field: 'url', reason: r.reason, addressClass: r.addressClass },
      });
  }
  function checkFilter(filter: unknown): void {
    if (filter === null || filter === undefined) return;
    const r = checkConditionGroup(filter, {
      location: 'filter',
      scope: { ...TEMPLATE_SCOPE, roots: [...TEMPLATE_SCOPE.roots] },
    });
    if (!r.ok)
      throw new AppError('INVALID_DEFINITION', `filter: ${r.issues[0]?.message ?? 'not a condition group'}`, {
        details: { field: 'filter', issues: r.issues.slice(0, 20) },
      });
  }
  function checkTransformation(t: unknown): void {
    if (t === null || t === undefined) return;
    // Bounded walk (size and depth) before anything recursive looks at it.
    const size = jsonLength(t, 65_536);
    if (size > 65_536)
      throw new AppError(
        'INVALID_DEFINITION',
        'transformation: at most 64 KiB of JSON, nested at most 100 levels',
        {
          details: { field: 'transformation' },
        },
      );
    const issues = checkTemplates(t, 'transformation', {
      ...TEMPLATE_SCOPE,
      roots: [...TEMPLATE_SCOPE.roots],
    });
    if (issues.length > 0)
      throw new AppError('INVALID_DEFINITION', `${issues[0]!.path}: ${issues[0]!.message}`, {
        details: { field: 'transformation', issues: issues.slice(0, 20) },
      });
  }

  // ── Fan-out ─────────────────────────────────────────────────────────────────────────────────────

  // The fairness key is the concurrency key: a claim then passes over an endpoint whose slots are all
  // taken (claim.ts) instead of taking its jobs only to push them back. No dedupe key: a message's first
  // job is written only with the message itself (its unique key makes a second fan-out a no-op), and
  // jobs without a key add nothing to the dedupe index.
  const jobOptions = (e: StoredEndpoint) => ({
    workspaceId: e.workspaceId,
    fairnessKey: `endpoint:${e.id}`,
    concurrency: { key: `endpoint:${e.id}`, limit: e.concurrency },
  });

  /**
   * Creates the messages of one event for the given endpoints (those that match), in `tx`, with a first
   * attempt job each (none for a paused endpoint: the message waits, parked, until it resumes). The
   * unique key makes a second run for the same event a no-op. Returns the number created.
   */
  async function fanOut(
    tx: Tx,
    ev: DeliveryEvent,
    uniqueKey: string,
    candidates: readonly StoredEndpoint[],
  ): Promise<number> {
    const ctx = contextOf(ev);
    const now = clock.now();
    const rows: { m: NewMessage; e: StoredEndpoint }[] = [];
    for (const e of candidates) {
      if (!endpointMatches(e, ev, ctx)) continue;
      const built = buildBody(e.transformation, ev, ctx);
      rows.push({
        e,
        m: {
          workspaceId: ev.workspaceId,
          id: newSortableId('msg'),
          endpointId: e.id,
          uniqueKey,
          eventType: ev.eventType,
          body: built.ok ? built.body : '',
          createdAt: now,
          // A transformation that fails for this event: recorded as a failed message, never sent.
          ...(built.ok ? {} : { status: 'failed' as const, lastError: storableText(built.error) }),
        },
      });
    }
    if (rows.length === 0) return 0;
    const created = new Set(
      await messages.insert(
        tx,
        rows.map((r) => r.m),
      ),
    );
    for (const { m, e } of rows) {
      if (!created.has(m.id) || m.status === 'failed') continue;
      if (e.status !== 'enabled') {
        await messages.update(tx, m.workspaceId, m.id, { nextAttemptAt: null });
        continue;
      }
      await enqueue(tx, deliveryAttemptJob, { workspaceId: m.workspaceId, messageId: m.id }, jobOptions(e));
    }
    return created.size;
  }

  // Events processed at the same time (the runner runs a claim's event.process jobs together) read their
  // endpoints and write their messages and jobs together: two statements for all of them, each event
  // still waiting for its own messages' commit (statement-batcher.ts). A batch that fails fails each of
  // its events, whose processing is retried; a second run creates nothing twice (unique key).
  const receivingBatcher = createStatementBatcher<string, StoredEndpoint[]>({
    write: async (workspaceIds) => {
      const byWorkspace = await deps.hot.listReceiving(workspaceIds);
      return workspaceIds.map((w) => byWorkspace.get(w) ?? []);
    },
    maxBatch: 200,
  });
  const fanOutBatcher = createStatementBatcher<FanOutRow[], number>({
    write: async (events) => {
      const created = await deps.hot.insertFanOut(events.flat());
      return events.map((rows) => rows.filter((r) => created.has(r.id)).length);
    },
    maxBatch: 200,
  });

  // On top of that, a workspace's receiving endpoints are read once per event.process job attempt (a job
  // carries a batch of one workspace's events, processed one after another), not once per event: most
  // events of most workspaces go to no endpoint at all. The oldest entries leave first.
  const receiving = new Map<string, Promise<StoredEndpoint[]>>();
  const receivingFor = (workspaceId: string, job: JobContext): Promise<StoredEndpoint[]> => {
    const key = `${job.jobId}:${job.attempt}:${workspaceId}`;
    let endpoints = receiving.get(key);
    if (endpoints === undefined) {
      endpoints = receivingBatcher.submit(workspaceId);
      endpoints.catch(() => receiving.delete(key));
      receiving.set(key, endpoints);
      if (receiving.size > 64) receiving.delete(receiving.keys().next().value as string);
    }
    return endpoints;
  };

  const processor: EventProcessor = {
    name: 'delivery',
    async process(event: ProcessedEvent, jobCtx: JobContext): Promise<void> {
      const candidates = await receivingFor(event.workspaceId, jobCtx);
      const ev: DeliveryEvent = {
        id: event.id,
        workspaceId: event.workspaceId,
        source: event.sourceKind === 'clockify' ? 'clockify' : (event.sourceId ?? 'custom'),
        eventType: event.eventType,
        payload: event.payload,
        occurredAt: event.receivedAt,
      };
      if (!candidates.some((e) => sourceAndTypeMatch(e, ev))) return;
      // Messages and their jobs in one statement (hot-path.repo.ts): the same rows fanOut writes.
      const ctx = contextOf(ev);
      const now = clock.now();
      const rows: FanOutRow[] = [];
      for (const e of candidates) {
        if (!endpointMatches(e, ev, ctx)) continue;
        const built = buildBody(e.transformation, ev, ctx);
        rows.push({
          workspaceId: ev.workspaceId,
          uniqueKey: `event:${event.id}`,
          eventType: ev.eventType,
          createdAt: now,
          id: newSortableId('msg'),
          endpointId: e.id,
          body: built.ok ? built.body : '',
          status: built.ok ? 'pending' : 'failed',
          lastError: built.ok ? null : storableText(built.error),
          enabled: e.status === 'enabled',
          concurrency: e.concurrency,
          jobId: newSortableId('job'),
        });
      }
      if (rows.length === 0) return;
      if ((await fanOutBatcher.submit(rows)) > 0) deps.wake('outbound');
    },
  };

  /**
   * The gateway's own events (`endpoint.disabled`, `message.failed`, `flow.execution.failed`): a message
   * for each matching endpoint. In `tx` when given (the change that caused the event).
   */
  async function emitGatewayEvent(
    workspaceId: string,
    type: string,
    data: unknown,
    opts: { tx?: Tx; idempotencyKey?: string } = {},
  ): Promise<number> {
    const run = async (tx: Tx) => {
      const candidates = await endpoints.listReceiving(workspaceId, tx);
      const id = newSortableId('gev');
      const ev: DeliveryEvent = {
        id,
        workspaceId,
        source: GATEWAY_SOURCE,
        eventType: type,
        payload: data,
        occurredAt: clock.now(),
      };
      return fanOut(tx, ev, `gateway:${type}:${opts.idempotencyKey ?? id}`, candidates);
    };
    const n = opts.tx !== undefined ? await run(opts.tx) : await withTransaction(db, run);
    if (n > 0) deps.wake('outbound');
    return n;
  }

  /** Flows' `webhook` action. Idempotent: the same key returns the same message. */
  async function send(input: WebhookSendInput): Promise<{ messageId: string }> {
    const e = await mustGet(input.workspaceId, input.endpointId);
    if (e.status === 'disabled')
      throw new AppError(
        'CONFLICT',
        `Endpoint ${e.id} is disabled${e.disabledReason ? `: ${e.disabledReason}` : ''}`,
      );
    const uniqueKey = `flow:${input.idempotencyKey}`;
    const existing = await messages.byUniqueKey(input.workspaceId, e.id, uniqueKey);
    if (existing !== null) return { messageId: existing.id };
    const ev: DeliveryEvent = {
      id: input.idempotencyKey,
      workspaceId: input.workspaceId,
      source: 'flow',
      eventType: input.eventType,
      payload: input.payload,
      occurredAt: clock.now(),
    };
    const m: NewMessage = {
      workspaceId: input.workspaceId,
      id: newSortableId('msg'),
      endpointId: e.id,
      uniqueKey,
      eventType: input.eventType,
      body: JSON.stringify(defaultBody(ev)),
      createdAt: clock.now(),
    };
    await withTransaction(db, async (tx) => {
      const created = await messages.insert(tx, [m]);
      if (created.length === 0) return;
      if (e.status === 'enabled')
        await enqueue(tx, deliveryAttemptJob, { workspaceId: m.workspaceId, messageId: m.id }, jobOptions(e));
      else await messages.update(tx, m.workspaceId, m.id, { nextAttemptAt: null });
    });
    deps.wake('outbound');
    const row = await messages.byUniqueKey(input.workspaceId, e.id, uniqueKey);
    return { messageId: row?.id ?? m.id };
  }

  // ── Attempts ────────────────────────────────────────────────────────────────────────────────────

  /** Takes a rate-limit slot for the endpoint; a slot further away than MAX_RATE_WAIT_MS reschedules. */
  async function takeRateSlot(e: StoredEndpoint, interactive: boolean, signal?: AbortSignal): Promise<void> {
    if (e.rateLimit === null) return;
    const r = await deps.limiter.reserve(
      `endpoint:${e.id}`,
      e.rateLimit,
      interactive ? 'interactive' : 'background',
    );
    if (!r.granted)
      throw new Reschedule(new Date(clock.now().getTime() + Math.ceil(r.retryInUs / 1_000)), 'rate limit');
    const waitMs = r.waitUs / 1_000;
    if (waitMs > MAX_RATE_WAIT_MS && !interactive)
      throw new Reschedule(new Date(clock.now().getTime() + waitMs), 'rate limit');
    if (waitMs > 0) await sleep(waitMs, signal);
  }

  type Sent = { result: OutboundResult; at: Date };

  // Decrypted signing secrets by their ciphertext (a rotation makes a new ciphertext, so nothing goes stale).
  const secretCache = new Map<string, string>();
  const SECRET_CACHE_MAX = 10_000;
  function decryptSecret(encrypted: string): string {
    let plain = secretCache.get(encrypted);
    if (plain === undefined) {
      plain = deps.cipher.decrypt(encrypted);
      if (secretCache.size >= SECRET_CACHE_MAX) secretCache.clear();
      secretCache.set(encrypted, plain);
    }
    return plain;
  }

  async function sendOnce(
    e: StoredEndpoint,
    m: StoredMessage,
    signal?: AbortSignal,
    secretsEncrypted?: readonly string[],
  ): Promise<Sent> {
    const at = clock.now();
    const encrypted =
      secretsEncrypted ??
      (await endpoints.signingSecrets(e.workspaceId, e.id, at)).map((s) => s.secretEncrypted);
    const secrets = encrypted.slice(0, MAX_SIGNING_SECRETS).map((s) => decryptSecret(s));
    const headers: Record<string, string> = {
      ...((e.headers ?? {}) as Record<string, string>),
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders({ msgId: m.id, timestamp: at, body: m.body, secrets }),
    };
    const result = await deps.http.send({
      method: 'POST',
      url: e.url,
      headers,
      body: m.body,
      timeoutMs: e.timeoutMs,
      ...(signal !== undefined ? { signal } : {}),
    });
    return { result, at };
  }

  function attemptRow(
    m: StoredMessage,
    sent: Sent,
    errorClass: string | null,
    trigger: 'scheduled' | 'manual' | 'test',
  ) {
    const r = sent.result;
    const response = r.kind === 'response' ? r : null;
    return {
      workspaceId: m.workspaceId,
      id: newSortableId('att'),
      messageId: m.id,
      endpointId: m.endpointId,
      attemptedAt: sent.at,
      status: response?.status ?? ('status' in r && typeof r.status === 'number' ? r.status : null),
      latencyMs: Math.max(0, Math.round(r.latencyMs)),
      responseHeaders: response?.headers ?? null,
      responseBody: response
        ? storableText(response.body.toString('utf8').slice(0, MAX_STORED_RESPONSE_CHARS))
        : null,
      errorClass,
      error: errorClass === null ? null : storableText(describe(r)),
      address: 'address' in r && typeof r.address === 'string' ? r.address : null,
      trigger,
    };
  }

  /** After a failed attempt: the failure window starts (or goes on); past it the endpoint is disabled. */
  async function noteFailure(tx: Tx, e: StoredEndpoint, now: Date): Promise<void> {
    const since = await endpoints.markFailing(e.workspaceId, e.id, now, tx);
    if (since !== null && now.getTime() - since.getTime() >= deps.config.failureWindowMs) {
      await disableEndpoint(tx, e, `failing continuously since ${since.toISOString()}`);
    }
  }
  async function disableEndpoint(tx: Tx, e: StoredEndpoint, reason: string): Promise<void> {
    if (await endpoints.disable(e.workspaceId, e.id, reason, tx)) {
      log.warn({ workspaceId: e.workspaceId, endpointId: e.id, reason }, 'outbound endpoint disabled');
      await emitGatewayEvent(
        e.workspaceId,
        'endpoint.disabled',
        { endpointId: e.id, url: e.url, reason },
        { tx, idempotencyKey: `${e.id}:${clock.now().getTime()}` },
      );
    }
  }

  /**
   * Applies a scheduled attempt's rarer decisions (endpoint disabled by a 410, dead letter) to the message
   * and endpoint, with the attempt row, in one transaction. Deliveries and retries are settled in batches.
   */
  async function settle(
    e: StoredEndpoint,
    m: StoredMessage,
    sent: Sent,
    d: Extract<AttemptDecision, { outcome: 'disable-endpoint' | 'dead-letter' }>,
  ): Promise<void> {
    const now = sent.at;
    const errorClass = d.errorClass;
    await withTransaction(db, async (tx) => {
      await messages.recordAttempt(tx, attemptRow(m, sent, errorClass, 'scheduled'));
      const lastError = storableText(`${errorClass}: ${describe(sent.result)}`).slice(0, 2_000);
      switch (d.outcome) {
        case 'disable-endpoint':
          // The receiver asked us to stop: park the message (a resume sends it again).
          await messages.update(tx, m.workspaceId, m.id, {
            attempts: { increment: 1 },
            nextAttemptAt: null,
            jobId: null,
            lastError,
          });
          await disableEndpoint(tx, e, 'the receiver answered 410 Gone');
          return;
        case 'dead-letter':
          await messages.update(tx, m.workspaceId, m.id, {
            status: 'failed',
            attempts: { increment: 1 },
            nextAttemptAt: null,
            finishedAt: now,
            lastError,
          });
          await noteFailure(tx, e, now);
          // Never about itself: a failed `message.failed` message raises no further event.
          if (m.eventType !== 'message.failed')
            await emitGatewayEvent(
              m.workspaceId,
              'message.failed',
              {
                messageId: m.id,
                endpointId: e.id,
                eventType: m.eventType,
                attempts: m.attempts + 1,
                lastError,
              },
              { tx, idempotencyKey: m.id },
            );
          return;
      }
    });
  }

  type AttemptPayload = { workspaceId: string; messageId: string; manual?: boolean | undefined };
  type AttemptItem = { payload: AttemptPayload; ctx: JobContext };

  /**
   * Delivered attempts are settled together: one statement writes the attempt rows, marks the messages
   * delivered, resets the endpoints' failure windows and completes the jobs of all the deliveries that
   * finished while the previous statement ran (statement-batcher.ts). Each resolves to whether it
   * completed its job.
   */
  const deliveredBatcher = createStatementBatcher<
    DeliveredAttempt & { jobId: string; workerId: string | null },
    boolean
  >({ write: (rows) => deps.hot.settleDelivered(rows), maxBatch: 500 });
  /**
   * Likewise for failed attempts to retry: each job is requeued in the same statement. Failures trickle in
   * (a failing endpoint has only its `concurrency` requests in flight), so a statement waits up to
   * RETRY_GATHER_MS for more: nobody waits on it (the next attempt is seconds away), and one statement per
   * one or two failures cost the database more than all the deliveries' settlements (bench:deliver).
   */
  const retryBatcher = createStatementBatcher<
    FailedAttempt & { nextAttemptAt: Date; lastError: string; jobId: string; workerId: string | null },
    { since: Date | null; requeued: boolean }
  >({ write: (rows) => deps.hot.settleRetry(rows), maxBatch: 500, gatherMs: RETRY_GATHER_MS });

  /**
   * Job handler of `delivery.attempt`, given every attempt job one claim returned (runner.ts
   * `batchHandler`): their messages are taken in one statement, each is sent on its own, and deliveries
   * are settled together (`deliveredBatcher`), completing their jobs in the same statement. Failures are
   * settled one by one (they are few). One promise per job, in order.
   */
  function runAttempts(items: readonly AttemptItem[]): Promise<JobResult>[] {
    const scheduled = items.filter((it) => it.payload.manual !== true);
    // Most messages came with their jobs (the claim read); the rest are taken in one statement.
    const read = attemptsFromClaimReads(
      scheduled.map((it) => ({ jobId: it.ctx.jobId, read: it.ctx.read })),
      clock.now(),
    );
    const rest = scheduled.filter((it) => read.get(it.payload.messageId)?.message.jobId !== it.ctx.jobId);
    const claimed =
      rest.length === 0
        ? Promise.resolve(read)
        : deps.hot
            .claimForAttempts(
              rest.map((it) => ({
                workspaceId: it.payload.workspaceId,
                messageId: it.payload.messageId,
                jobId: it.ctx.jobId,
              })),
              clock.now(),
            )
            .then((taken) => new Map([...read, ...taken]));
    // The claimed attempt of a job: its message, owned by this job, on an endpoint that exists.
    const mine = (found: Map<string, ClaimedAttempt>, it: AttemptItem) => {
      const c = it.payload.manual === true ? undefined : found.get(it.payload.messageId);
      return c !== undefined && c.message.jobId === it.ctx.jobId && c.endpoint !== null ? c : undefined;
    };
    return items.map(async (it): Promise<JobResult> => {
      const { payload, ctx } = it;
      if (payload.manual === true) {
        await manualAttempt(payload.workspaceId, payload.messageId, 'manual', ctx.signal);
        return;
      }
      const found = await claimed;
      const c = mine(found, it);
      if (c === undefined) return; // delivered, dead, owned by another job, or its endpoint deleted
      const { message: m, endpoint: e } = c;
      if (e === null) return;
      if (e.status !== 'enabled') {
        // Parked: resume (or recover) gives it a new job.
        await messages.update(db, m.workspaceId, m.id, { jobId: null, nextAttemptAt: null });
        return;
      }
      const now = clock.now();
      // A takeover after a crash between recording an attempt and requeueing: keep the schedule.
      if (m.nextAttemptAt !== null && m.nextAttemptAt.getTime() > now.getTime() + 1_000)
        throw new Reschedule(m.nextAttemptAt, 'not due yet');
      await takeRateSlot(e, false, ctx.signal);
      const sent = await sendOnce(e, m, ctx.signal, c.secretsEncrypted);
      // Shutting down, or the lease is lost: this worker no longer owns the job. Nothing is recorded; the
      // job is taken over and sends again, with the same webhook-id.
      if (ctx.signal.aborted) throw new Error('delivery attempt aborted: not recorded');
      const decision = classifyAttempt({
        result: sent.result,
        attemptsMade: m.attempts + 1,
        now: sent.at,
        random,
        schedule: deps.scheduleOf ? await deps.scheduleOf(m.workspaceId) : schedule,
      });
      if (decision.outcome === 'disable-endpoint' || decision.outcome === 'dead-letter') {
        await settle(e, m, sent, decision);
        return;
      }
      const errorClass = decision.outcome === 'delivered' ? null : decision.errorClass;
      const row = attemptRow(m, sent, errorClass, 'scheduled');
      const attempt = {
        workspaceId: row.workspaceId,
        id: row.id,
        messageId: row.messageId,
        endpointId: row.endpointId,
        attemptedAt: row.attemptedAt,
        status: row.status,
        latencyMs: row.latencyMs,
        responseHeaders: row.responseHeaders,
        responseBody: row.responseBody,
        address: row.address,
        jobId: ctx.jobId,
        workerId: ctx.workerId ?? null,
      };
      if (decision.outcome === 'delivered')
        return (await deliveredBatcher.submit(attempt)) ? 'settled' : undefined;
      const reason = `${decision.errorClass}: ${describe(sent.result)}`;
      const { since, requeued } = await retryBatcher.submit({
        ...attempt,
        errorClass: decision.errorClass,
        error: row.error,
        nextAttemptAt: decision.at,
        lastError: storableText(reason).slice(0, 2_000),
      });
      // Past the failure window: disabled (rare), with its event, in a transaction of its own.
      if (since !== null && sent.at.getTime() - since.getTime() >= deps.config.failureWindowMs)
        await withTransaction(db, (tx) =>
          disableEndpoint(tx, e, `failing continuously since ${since.toISOString()}`),
        );
      if (requeued) return 'settled';
      // Not requeued here (the lease is lost, or no worker id): the runner records the retry.
      throw new RetryAt(decision.at, reason);
    });
  }

  /** One scheduled attempt (a batch of one); what the runner gets from `runAttempts` for a single job. */
  function runAttempt(payload: AttemptPayload, ctx: JobContext): Promise<JobResult> {
    return runAttempts([{ payload, ctx }])[0]!;
  }

  /** One attempt outside the schedule ("retry now", "send test"): delivered, or left as it was. */
  async function manualAttempt(
    workspaceId: string,
    messageId: string,
    trigger: 'manual' | 'test',
    signal?: AbortSignal,
  ): Promise<StoredAttempt | null> {
    const m = await messages.get(workspaceId, messageId);
    if (m === null || m.status === 'delivered') return null;
    const e = await endpoints.get(workspaceId, m.endpointId);
    if (e === null) throw new PermanentJobError('endpoint deleted');
    await takeRateSlot(e, true, signal);
    const sent = await sendOnce(e, m, signal);
    const ok = sent.result.kind === 'response' && sent.result.class === '2xx';
    const errorClass = ok ? null : errorClassOf(sent.result);
    const row = attemptRow(m, sent, errorClass, trigger);
    await withTransaction(db, async (tx) => {
      await messages.recordAttempt(tx, row);
      if (ok) {
        await messages.update(tx, workspaceId, m.id, {
          status: 'delivered',
          nextAttemptAt: null,
          finishedAt: sent.at,
          lastError: null,
        });
        await endpoints.markHealthy(workspaceId, e.id, tx);
      } else if (trigger === 'test') {
        await messages.update(tx, workspaceId, m.id, {
          status: 'failed',
          finishedAt: sent.at,
          lastError: storableText(`${errorClass}: ${describe(sent.result)}`),
        });
      }
    });
    return { ...row, responseHeaders: row.responseHeaders };
  }

  // ── Endpoint admin ──────────────────────────────────────────────────────────────────────────────

  /** Gives parked pending messages of an endpoint new jobs (after resume). */
  async function requeueParked(e: StoredEndpoint): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await messages.parked(e.workspaceId, e.id, REQUEUE_BATCH);
      if (batch.length === 0) break;
      await withTransaction(db, async (tx) => {
        for (const { id } of batch) {
          const jobId = await enqueue(
            tx,
            deliveryAttemptJob,
            { workspaceId: e.workspaceId, messageId: id },
            jobOptions(e),
          );
          await messages.assign(tx, e.workspaceId, id, jobId!, clock.now(), false);
        }
      });
      total += batch.length;
      if (batch.length < REQUEUE_BATCH) break;
    }
    if (total > 0) deps.wake('outbound');
    return total;
  }

  const endpointsApi = {
    async list(workspaceId: string): Promise<EndpointView[]> {
      const rows = await endpoints.list(workspaceId);
      const exp = await endpoints.graceExpiries(
        workspaceId,
        rows.map((r) => r.id),
        clock.now(),
      );
      return rows.map((r) => endpointView(r, exp.get(r.id)));
    },
    async get(workspaceId: string, id: string): Promise<EndpointView> {
      return viewOf(await mustGet(workspaceId, id));
    },
    async create(workspaceId: string, body: CreateEndpointBody): Promise<EndpointView & { secret: string }> {
      checkEndpointUrl(body.url);
      checkFilter(body.filter);
      checkTransformation(body.transformation);
      const secret = generateSecret(deps.randomBytes);
      const input: NewEndpoint = {
        workspaceId,
        id: newId('ep'),
        url: body.url,
        description: body.description,
        eventTypes: body.eventTypes,
        sources: body.sources === '*' ? ['*'] : [...new Set(body.sources)],
        filter: body.filter ?? null,
        transformation: body.transformation ?? null,
        headers: body.headers,
        timeoutMs: body.timeoutMs,
        rateLimit: body.rateLimit,
        concurrency: body.concurrency,
        status: body.enabled ? 'enabled' : 'paused',
      };
      const row = await endpoints.create(input, newId('whs'), deps.cipher.encrypt(secret), clock.now());
      return { ...endpointView(row), secret };
    },
    async update(workspaceId: string, id: string, body: UpdateEndpointBody): Promise<EndpointView> {
      const current = await mustGet(workspaceId, id);
      if (body.url !== undefined) checkEndpointUrl(body.url);
      if (body.filter !== undefined) checkFilter(body.filter);
      if (body.transformation !== undefined) checkTransformation(body.transformation);
      const { enabled, sources, ...rest } = body;
      const row = await endpoints.update(workspaceId, id, {
        ...rest,
        ...(sources !== undefined ? { sources: sources === '*' ? ['*'] : [...new Set(sources)] } : {}),
        ...(enabled === true ? { status: 'enabled', disabledReason: null, failingSince: null } : {}),
        ...(enabled === false ? { status: 'paused' } : {}),
      });
      if (row === null) throw new AppError('NOT_FOUND', `No endpoint ${id} in this workspace`);
      if (enabled === true && current.status !== 'enabled') await requeueParked(row);
      return viewOf(row);
    },
    async delete(workspaceId: string, id: string): Promise<EndpointView> {
      const view = await viewOf(await mustGet(workspaceId, id));
      if (!(await endpoints.delete(workspaceId, id)))
        throw new AppError('NOT_FOUND', `No endpoint ${id} in this workspace`);
      return view;
    },
    async pause(workspaceId: string, id: string): Promise<EndpointView> {
      await mustGet(workspaceId, id);
      const row = await endpoints.update(workspaceId, id, { status: 'paused' });
      return viewOf(row!);
    },
    /** Enabled again (also after the gateway disabled it): the failure window restarts, parked messages go. */
    async resume(workspaceId: string, id: string): Promise<EndpointView> {
      await mustGet(workspaceId, id);
      const row = await endpoints.update(workspaceId, id, {
        status: 'enabled',
        disabledReason: null,
        failingSince: null,
      });
      await requeueParked(row!);
      return viewOf(row!);
    },
    async rotateSecret(
      workspaceId: string,
      id: string,
      graceSeconds: number,
    ): Promise<EndpointView & { secret: string }> {
      await mustGet(workspaceId, id);
      const secret = generateSecret(deps.randomBytes);
      const now = clock.now();
      await endpoints.rotateSecret(
        workspaceId,
        id,
        { id: newId('whs'), secretEncrypted: deps.cipher.encrypt(secret) },
        now,
        new Date(now.getTime() + graceSeconds * 1_000),
        MAX_SIGNING_SECRETS - 1,
      );
      return { ...(await viewOf(await mustGet(workspaceId, id))), secret };
    },
    async stats(workspaceId: string, id: string): Promise<EndpointStats> {
      await mustGet(workspaceId, id);
      const s = await messages.stats(workspaceId, id, new Date(clock.now().getTime() - 86_400_000));
      return { ...s, lastSuccessAt: iso(s.lastSuccessAt), lastFailureAt: iso(s.lastFailureAt) };
    },
  };

  // ── Messages admin ──────────────────────────────────────────────────────────────────────────────

  const encodeCursor = (m: StoredMessage) =>
    Buffer.from(`${m.createdAt.toISOString()}|${m.id}`).toString('base64url');
  function decodeCursor(cursor: string): { createdAt: Date; id: string } {
    const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    const createdAt = new Date(at ?? '');
    if (id === undefined || !/^msg_[0-9a-z]{12,40}$/.test(id) || Number.isNaN(createdAt.getTime()))
      throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor from this API', {
        details: { field: 'cursor' },
      });
    return { createdAt, id };
  }

  const messagesApi = {
    async list(workspaceId: string, endpointId: string, q: ListMessagesQuery) {
      await mustGet(workspaceId, endpointId);
      const { from, to } = timeRange(q);
      const rows = await messages.list(workspaceId, endpointId, {
        status: q.status,
        eventType: q.eventType,
        from,
        to,
        before: q.cursor !== undefined ? decodeCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      });
      return keysetPage(rows, q.limit, messageSummary, encodeCursor);
    },
    async get(workspaceId: string, id: string): Promise<MessageDetail> {
      const m = await messages.get(workspaceId, id);
      if (m === null) throw new AppError('NOT_FOUND', `No message ${id} in this workspace`);
      const attempts = await messages.attempts(workspaceId, id);
      return { ...messageSummary(m), body: m.body, attemptList: attempts.map(attemptView) };
    },
    /** "Retry now": one attempt at once (interactive lane), whatever the schedule says. */
    async retry(workspaceId: string, id: string): Promise<{ jobId: string }> {
      const m = await messages.get(workspaceId, id);
      if (m === null) throw new AppError('NOT_FOUND', `No message ${id} in this workspace`);
      if (m.status === 'delivered') throw new AppError('CONFLICT', `Message ${id} was delivered already`);
      const e = await mustGet(workspaceId, m.endpointId);
      const jobId = await withTransaction(db, (tx) =>
        enqueue(
          tx,
          deliveryAttemptJob,
          { workspaceId, messageId: id, manual: true },
          { ...jobOptions(e), lane: 'interactive' },
        ),
      );
      deps.wake('outbound');
      return { jobId: jobId! };
    },
    /** Every dead-lettered message of the endpoint since `since`, sent again on a fresh schedule, in a background job. */
    async recover(workspaceId: string, endpointId: string, since: string): Promise<{ jobId: string }> {
      const e = await mustGet(workspaceId, endpointId);
      if (new Date(since) > clock.now())
        throw new AppError('VALIDATION_FAILED', 'body.since: must not be in the future', {
          details: { field: 'since' },
        });
      const jobId = await withTransaction(db, (tx) =>
        enqueue(tx, deliveryRecoverJob, { workspaceId, endpointId: e.id, since }, { workspaceId }),
      );
      deps.wake('default');
      return { jobId: jobId! };
    },
    /** Sends a signed sample of `eventType` now and returns the attempt. */
    async test(
      workspaceId: string,
      endpointId: string,
      eventType: string,
    ): Promise<AttemptView & { messageId: string }> {
      const e = await mustGet(workspaceId, endpointId);
      const type = (await eventTypes(workspaceId)).find((t) => t.type === eventType);
      if (type === undefined)
        throw new AppError(
          'VALIDATION_FAILED',
          `body.eventType: '${eventType.slice(0, 100)}' is not in the event catalogue`,
          {
            details: { field: 'eventType' },
          },
        );
      const now = clock.now();
      const m: NewMessage = {
        workspaceId,
        id: newSortableId('msg'),
        endpointId: e.id,
        uniqueKey: `test:${newId('t')}`,
        eventType,
        body: JSON.stringify(
          defaultBody({
            id: 'test',
            workspaceId,
            source: type.source,
            eventType,
            payload: type.sample,
            occurredAt: now,
          }),
        ),
        createdAt: now,
      };
      await withTransaction(db, async (tx) => {
        await messages.insert(tx, [m]);
        // Owned by no scheduled job and never parked: it gets exactly this one attempt.
        await messages.update(tx, workspaceId, m.id, { jobId: 'test', nextAttemptAt: null });
      });
      const a = await manualAttempt(workspaceId, m.id, 'test');
      return { ...attemptView(a!), messageId: m.id };
    },
    /** The transformation (saved, or given) applied to samples or to the last 10 matching events. */
    async preview(
      workspaceId: string,
      endpointId: string,
      body: { source: 'sample' | 'recent'; transformation?: unknown },
    ) {
      const e = await mustGet(workspaceId, endpointId);
      const transformation = body.transformation !== undefined ? body.transformation : e.transformation;
      if (body.transformation !== undefined) checkTransformation(body.transformation);
      const events: DeliveryEvent[] =
        body.source === 'sample'
          ? (await eventTypes(workspaceId))
              .filter((t) =>
                sourceAndTypeMatch(e, {
                  id: '',
                  workspaceId,
                  source: t.source,
                  eventType: t.type,
                  payload: null,
                  occurredAt: clock.now(),
                }),
              )
              .slice(0, 10)
              .map((t) => ({
                id: 'sample',
                workspaceId,
                source: t.source,
                eventType: t.type,
                payload: t.sample,
                occurredAt: clock.now(),
              }))
          : (await deps.events.recent(workspaceId, 500))
              .map((p) => ({
                id: p.id,
                workspaceId,
                source: p.sourceKind === 'clockify' ? 'clockify' : (p.sourceId ?? 'custom'),
                eventType: p.eventType,
                payload: p.payload,
                occurredAt: p.receivedAt,
              }))
              .filter((ev) => endpointMatches({ ...e, transformation }, ev))
              .slice(0, 10);
      return {
        items: events.map((ev) => {
          const ctx = contextOf(ev);
          const matched = endpointMatches({ ...e, transformation }, ev, ctx);
          const built = buildBody(transformation, ev, ctx);
          return {
            eventId: ev.id === 'sample' ? null : ev.id,
            eventType: ev.eventType,
            source: ev.source,
            matched,
            body: built.ok ? (JSON.parse(built.body) as unknown) : null,
            error: built.ok ? null : built.error,
          };
        }),
      };
    },
  };

  async function eventTypes(workspaceId: string): Promise<EventTypeView[]> {
    const custom = await deps.events.seenCustomTypes(workspaceId);
    return [...STATIC_EVENT_TYPES, ...custom.map((c) => customEventType(c.sourceId, c.eventType))];
  }

  /** Job handler of `delivery.recover`. */
  async function runRecover(payload: {
    workspaceId: string;
    endpointId: string;
    since: string;
  }): Promise<void> {
    const e = await endpoints.get(payload.workspaceId, payload.endpointId);
    if (e === null) return;
    let after = '';
    for (;;) {
      const batch = await messages.failedSince(
        e.workspaceId,
        e.id,
        new Date(payload.since),
        after,
        REQUEUE_BATCH,
      );
      if (batch.length === 0) break;
      await withTransaction(db, async (tx) => {
        for (const { id } of batch) {
          const jobId = await enqueue(
            tx,
            deliveryAttemptJob,
            { workspaceId: e.workspaceId, messageId: id },
            jobOptions(e),
          );
          await messages.assign(tx, e.workspaceId, id, jobId!, clock.now(), true);
        }
      });
      deps.wake('outbound');
      after = batch.at(-1)!.id;
      if (batch.length < REQUEUE_BATCH) break;
    }
  }

  return {
    endpoints: endpointsApi,
    messages: messagesApi,
    eventTypes,
    processor,
    emitGatewayEvent,
    send,
    runAttempt,
    runAttempts,
    runRecover,
    findStatic,
  };
}
export type DeliveryService = ReturnType<typeof createDeliveryService>;

function describe(r: OutboundResult): string {
  return r.kind === 'response' ? `HTTP ${r.status}` : r.message;
}

function errorClassOf(r: OutboundResult): string {
  if (r.kind === 'response') return r.status === 410 ? '410' : r.class;
  return r.kind;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
