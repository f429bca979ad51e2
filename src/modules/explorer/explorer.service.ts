/**
 * The API explorer (docs/api-explorer.md): lists and describes the catalogue's operations, executes one
 * for the caller's workspace (validated, write-gated, rate limited at interactive priority, shaped and
 * redacted), keeps the history, and turns a call into snippets and a flow action. The pure pieces beside
 * this file decide; this file reads the installation, sends, and stores.
 */
import type { Catalogue, ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import type { ClockifyClient, RawRequest } from '../../integrations/clockify/clockify.client.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { newSortableId } from '../../platform/ids.js';
import { MAX_JSON_DEPTH, storableJson } from '../../platform/storable-text.js';
import type { Principal } from '../auth/principal.js';
import type { InstallationsService } from '../installations/installations.service.js';
import { readSettings } from '../installations/settings.js';
import { type PreparedRequest, prepareRequest, requestEcho } from './build-request.js';
import {
  type OperationDetail,
  SENDABLE_CONTENT_TYPES,
  describeOperation,
  executionBlocker,
} from './describe-operation.js';
import type { CallFilter, CallOutcome, ExplorerRepo, StatusClass, StoredCall } from './explorer.repo.js';
import type { ExplorerContext, ExplorerInput, InputIssue, ValidInput } from './explorer.types.js';
import { type ClockifyFlowAction, asFlowAction } from './flow-action.js';
import {
  type OperationFilter,
  type OperationSummary,
  groupByTag,
  listOperations,
  tagCounts,
} from './list-operations.js';
import { REDACTED, type RequestEcho, redactRequestEcho, redactString, redactValue } from './redact.js';
import { type ExplorerResult, shapeResult } from './shape-result.js';
import { type SnippetLanguage, snippet } from './snippets.js';
import { createInputValidator, formatIssue } from './validate-input.js';
import { type WriteDenial, checkWrite, fillPath } from './write-safety.js';

export type ExecuteInput = ExplorerInput & { operationId: string; confirm?: string | null };

export type ExecuteResponse = ExplorerResult & {
  /** The history entry of this call. */
  id: string;
  operationId: string;
  request: RequestEcho & { query: ValidInput['query'] };
};

export type Who = { kind: Principal['via']; id: string | null; name: string | null };

export type HistorySummary = {
  id: string;
  createdAt: string;
  who: Who;
  operationId: string;
  method: string;
  path: string;
  outcome: CallOutcome;
  status: number | null;
  latencyMs: number;
  waitedMs: number;
};

export type HistoryDetail = HistorySummary & {
  input: ValidInput;
  /** Some input value was a secret and is stored as `[redacted]`: such a call cannot be rerun. */
  inputRedacted: boolean;
  request: unknown;
  result: unknown;
};

export type HistoryQuery = {
  operationId?: string;
  statusClass?: StatusClass;
  outcome?: CallOutcome;
  who?: string;
  cursor?: string;
  limit: number;
};

type Deps = {
  catalogue: Pick<Catalogue, 'operations' | 'get'>;
  installations: Pick<InstallationsService, 'requireInstalled' | 'clockifyConnection'>;
  client: Pick<ClockifyClient, 'connect'>;
  repo: ExplorerRepo;
  clock: Clock;
  /** The name of an admin API key (history shows who called), or null when unknown. */
  apiKeyName?: (workspaceId: string, keyId: string) => Promise<string | null>;
};

const HISTORY_ID = /^xpl_[0-9a-z]{20}$/;

const inputInvalid = (issues: InputIssue[]) =>
  new AppError('INPUT_INVALID', issues.map(formatIssue).join('; ').slice(0, 2_000), {
    details: { issues },
  });

const notFound = (what: string) => new AppError('NOT_FOUND', what);

function denialError(d: WriteDenial): AppError {
  switch (d.reason) {
    case 'writes-disabled':
      return new AppError('FORBIDDEN', d.message, { details: { reason: d.reason, setting: d.setting } });
    case 'read-only-credential':
      return new AppError('FORBIDDEN', d.message, { details: { reason: d.reason } });
    case 'confirmation-required':
    case 'confirmation-mismatch':
      return new AppError('CONFIRMATION_REQUIRED', d.message, {
        details: { reason: d.reason, expectedConfirm: d.expectedConfirm },
      });
  }
}

/** A value PostgreSQL's jsonb can hold: NULs and lone surrogates replaced; too deep → a marker. */
function storable(value: unknown): unknown {
  try {
    return storableJson(value, MAX_JSON_DEPTH);
  } catch {
    return { [REDACTED]: `nested deeper than ${MAX_JSON_DEPTH} levels; not stored` };
  }
}

const toWho = (c: StoredCall): Who => ({ kind: c.actorKind, id: c.actorId, name: c.actorName });

function summaryOf(c: StoredCall): HistorySummary {
  return {
    id: c.id,
    createdAt: c.createdAt.toISOString(),
    who: toWho(c),
    operationId: c.operationId,
    method: c.method,
    path: c.path,
    outcome: c.outcome,
    status: c.status,
    latencyMs: c.latencyMs,
    waitedMs: c.waitedMs,
  };
}

type StoredInput = ValidInput & { redacted?: boolean };

function storedInput(c: StoredCall): StoredInput {
  const raw = (typeof c.input === 'object' && c.input !== null ? c.input : {}) as Partial<StoredInput>;
  return {
    pathParams: raw.pathParams ?? {},
    query: raw.query ?? {},
    ...(raw.body !== undefined ? { body: raw.body } : {}),
    ...(raw.redacted === true ? { redacted: true } : {}),
  };
}

function outcomeOf(result: ExplorerResult): CallOutcome {
  if (result.outcome === 'timeout') return 'timeout';
  if (result.outcome === 'network') return 'network-error';
  return 'sent';
}

export function createExplorerService(deps: Deps) {
  const { catalogue, repo, clock } = deps;
  // One validator per process: each operation's schemas are compiled on first use and cached.
  const validator = createInputValidator();

  function operation(operationId: string): ClockifyOperation {
    const op = typeof operationId === 'string' ? catalogue.get(operationId) : undefined;
    if (op === undefined) throw notFound(`No Clockify operation ${JSON.stringify(operationId)}`);
    return op;
  }

  async function contextOf(workspaceId: string) {
    const inst = await deps.installations.requireInstalled(workspaceId);
    const context: ExplorerContext = { workspaceId, addonUserId: inst.addonUserId };
    return { context, settings: readSettings(inst.settings) };
  }

  async function connectionOf(workspaceId: string) {
    const conn = await deps.installations.clockifyConnection(workspaceId);
    if (conn === null)
      throw new AppError('INSTALLATION_NOT_FOUND', 'This workspace has no usable Clockify installation');
    return conn;
  }

  async function whoOf(p: Principal): Promise<Who> {
    if (p.via === 'api-key') {
      const name =
        p.apiKeyId !== null && deps.apiKeyName !== undefined
          ? await deps.apiKeyName(p.workspaceId, p.apiKeyId)
          : null;
      return { kind: 'api-key', id: p.apiKeyId, name };
    }
    return { kind: 'user-token', id: p.userId, name: null };
  }

  /** Validation, or a 422 listing every bad field. */
  function validate(op: ClockifyOperation, input: ExplorerInput, context: ExplorerContext): ValidInput {
    const r = validator.validate(op, input, context);
    if (!r.ok) throw inputInvalid(r.issues);
    return r.value;
  }

  function prepare(op: ClockifyOperation, value: ValidInput, urls: { apiUrl: string; reportsUrl?: string }) {
    const prepared = prepareRequest(op, value, urls);
    if (!prepared.ok) throw inputInvalid([{ path: 'operationId', message: prepared.message }]);
    return prepared.request;
  }

  /** Redacted copy of an input for storage, and whether redaction changed anything. */
  function redactInput(value: ValidInput, secrets: readonly (string | null | undefined)[]): StoredInput {
    const copy = redactValue(value, secrets) as ValidInput;
    const redacted = JSON.stringify(copy) !== JSON.stringify(value);
    return { ...copy, ...(redacted ? { redacted: true } : {}) };
  }

  async function run(
    principal: Principal,
    input: ExecuteInput,
    callerSecret?: string,
  ): Promise<ExecuteResponse> {
    const op = operation(input.operationId);
    // A multipart upload cannot be sent by the JSON client. An operation that refuses the add-on token is
    // sent anyway: Clockify's 401 comes back as the result, with the explanation of why.
    if (op.requestBody !== undefined && !SENDABLE_CONTENT_TYPES.has(op.requestBody.contentType))
      throw inputInvalid([{ path: 'operationId', message: executionBlocker(op) ?? 'cannot be sent' }]);
    const { workspaceId } = principal;
    const { context, settings } = await contextOf(workspaceId);
    const value = validate(op, input, context);
    const conn = await connectionOf(workspaceId);
    const secrets = [conn.token, callerSecret];
    const gate = checkWrite({
      op,
      allowWrites: settings.explorer.allowWrites,
      canWrite: principal.canWrite,
      confirm: input.confirm ?? null,
      pathParams: value.pathParams,
    });
    const who = await whoOf(principal);
    const path = fillPath(op.path, value.pathParams);
    const base = {
      workspaceId,
      actorKind: who.kind,
      actorId: who.id,
      actorName: who.name,
      operationId: op.operationId,
      method: op.method,
      path,
      input: storable(redactInput(value, secrets)),
    };
    if (!gate.ok) {
      // The audit of a refused write: who tried what, and why it was refused. Nothing was sent.
      const now = clock.now();
      await repo.insert({
        ...base,
        id: newSortableId('xpl', now.getTime()),
        createdAt: now,
        outcome: 'refused-write',
        status: null,
        latencyMs: 0,
        waitedMs: 0,
        request: null,
        result: {
          reason: gate.reason,
          message: gate.message,
          ...('setting' in gate ? { setting: gate.setting } : {}),
        },
      });
      throw denialError(gate);
    }
    const request: PreparedRequest = prepare(op, value, conn);
    const raw: RawRequest = {
      method: op.method,
      server: op.server,
      path: op.path,
      pathParams: value.pathParams,
      query: value.query,
      ...(request.body !== undefined ? { body: request.body } : {}),
      safe: op.safe,
    };
    const exchanged = await deps.client.connect(conn).exchange(raw, { priority: 'interactive' });
    const result = shapeResult({
      op,
      outcome: exchanged.outcome,
      latencyMs: exchanged.latencyMs,
      waitedMs: exchanged.waitedMs,
      secrets,
      nowMs: clock.now().getTime(),
    });
    const echo = { ...redactRequestEcho(requestEcho(request), secrets), query: value.query };
    const safeEcho = { ...echo, query: redactValue(value.query, secrets) as ValidInput['query'] };
    const now = clock.now();
    const id = newSortableId('xpl', now.getTime());
    await repo.insert({
      ...base,
      id,
      createdAt: now,
      outcome: outcomeOf(result),
      status: result.status,
      latencyMs: result.latencyMs,
      waitedMs: result.waitedMs,
      request: storable(safeEcho),
      result: storable(result),
    });
    return { id, operationId: op.operationId, ...result, request: safeEcho };
  }

  async function requireCall(workspaceId: string, id: string): Promise<StoredCall> {
    const call = HISTORY_ID.test(id) ? await repo.get(workspaceId, id) : null;
    if (call === null) throw notFound(`No API explorer call ${JSON.stringify(id)} in this workspace`);
    return call;
  }

  return {
    list(
      filter: OperationFilter,
      group?: 'tag',
    ): {
      total: number;
      items: OperationSummary[];
      tags: { tag: string; count: number }[];
      groups?: { tag: string; operationIds: string[] }[];
    } {
      const items = listOperations(catalogue.operations, filter);
      return {
        total: items.length,
        items,
        tags: tagCounts(catalogue.operations),
        ...(group === 'tag'
          ? {
              groups: groupByTag(items).map((g) => ({
                tag: g.tag,
                operationIds: g.operations.map((o) => o.operationId),
              })),
            }
          : {}),
      };
    },

    async describe(workspaceId: string, operationId: string): Promise<OperationDetail> {
      const op = operation(operationId);
      const { context } = await contextOf(workspaceId);
      return describeOperation(op, context, { now: clock.now() });
    },

    /** Runs one operation for the caller's workspace. `callerSecret`: the caller's own credential, kept out too. */
    execute: run,

    /** The same inputs again, through the same rules (a write needs its confirmation again). */
    async rerun(
      principal: Principal,
      id: string,
      confirm: string | null | undefined,
      callerSecret?: string,
    ): Promise<ExecuteResponse> {
      const call = await requireCall(principal.workspaceId, id);
      const input = storedInput(call);
      if (input.redacted === true)
        throw inputInvalid([
          {
            path: 'input',
            message: 'a value of this call was a secret and is stored redacted; send it again with execute',
          },
        ]);
      return run(
        principal,
        {
          operationId: call.operationId,
          pathParams: input.pathParams,
          query: input.query,
          ...(input.body !== undefined ? { body: input.body } : {}),
          confirm: confirm ?? null,
        },
        callerSecret,
      );
    },

    async history(
      workspaceId: string,
      q: HistoryQuery,
    ): Promise<{ items: HistorySummary[]; nextCursor: string | null }> {
      if (q.cursor !== undefined && !HISTORY_ID.test(q.cursor))
        throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor from this API', {
          details: { field: 'cursor' },
        });
      const filter: CallFilter = {
        limit: q.limit + 1,
        ...(q.operationId !== undefined ? { operationId: q.operationId } : {}),
        ...(q.statusClass !== undefined ? { statusClass: q.statusClass } : {}),
        ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
        ...(q.who !== undefined ? { who: q.who } : {}),
        ...(q.cursor !== undefined ? { beforeId: q.cursor } : {}),
      };
      const rows = await repo.list(workspaceId, filter);
      const page = rows.slice(0, q.limit);
      return {
        items: page.map(summaryOf),
        nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
      };
    },

    async historyEntry(workspaceId: string, id: string): Promise<HistoryDetail> {
      const call = await requireCall(workspaceId, id);
      const { redacted, ...input } = storedInput(call);
      return {
        ...summaryOf(call),
        input,
        inputRedacted: redacted === true,
        request: call.request,
        result: call.result,
      };
    },

    /** A stored call as code; the token is an environment variable in the snippet. */
    async historySnippet(
      workspaceId: string,
      id: string,
      lang: SnippetLanguage,
    ): Promise<{ lang: SnippetLanguage; code: string }> {
      const call = await requireCall(workspaceId, id);
      const op = operation(call.operationId);
      const conn = await connectionOf(workspaceId);
      const { redacted: _redacted, ...input } = storedInput(call);
      return { lang, code: redactString(snippet(prepare(op, input, conn), lang), [conn.token]) };
    },

    /** An unsent request as code: validated like an execution, never sent, never stored. */
    async snippet(
      workspaceId: string,
      input: ExecuteInput,
      lang: SnippetLanguage,
    ): Promise<{ lang: SnippetLanguage; code: string }> {
      const op = operation(input.operationId);
      const { context } = await contextOf(workspaceId);
      const value = validate(op, input, context);
      const conn = await connectionOf(workspaceId);
      return { lang, code: redactString(snippet(prepare(op, value, conn), lang), [conn.token]) };
    },

    async asFlowAction(workspaceId: string, id: string): Promise<ClockifyFlowAction> {
      const call = await requireCall(workspaceId, id);
      const { redacted: _redacted, ...input } = storedInput(call);
      return asFlowAction({ operationId: call.operationId, ...input });
    },
  };
}
export type ExplorerService = ReturnType<typeof createExplorerService>;
