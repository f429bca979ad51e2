/**
 * What the fake Clockify answers for a matched operation, given a workspace's data. Pure apart from
 * the webhook list that writes append to.
 */
import type { ClockifyOperation, JsonSchema } from '../../src/integrations/clockify/catalogue.js';
import { pageSizeParam } from '../../src/integrations/clockify/classify-operation.js';
import type { Entity, WorkspaceData } from './data.js';

export type FakeReply = { status: number; body?: unknown; headers?: Record<string, string> };

const allTasks = (data: WorkspaceData) => [...data.tasks.values()].flat();
const allTimeEntries = (data: WorkspaceData) => [...data.timeEntries.values()].flat();

/** The entities a path segment names (`…/projects/{projectId}` → projects), or undefined when we keep none. */
function entitiesNamedBy(
  segment: string,
  params: Record<string, string>,
  data: WorkspaceData,
): Entity[] | undefined {
  switch (segment) {
    case 'projects':
      return data.projects;
    case 'clients':
      return data.clients;
    case 'users':
    case 'user':
    case 'member-profile':
      return data.users;
    case 'tasks':
      return params.projectId !== undefined ? (data.tasks.get(params.projectId) ?? []) : allTasks(data);
    case 'tags':
      return data.tags;
    case 'time-entries':
      return allTimeEntries(data);
    case 'webhooks':
      return data.webhooks;
    case 'user-groups':
      return data.userGroups;
    case 'custom-fields':
      return data.customFields;
    default:
      return undefined;
  }
}

type PathEntity = { param: string; entity: Entity | undefined; known: boolean };

/** Resolves each path param that names an entity we generate; `known: false` means "we keep no such data". */
function pathEntities(
  op: ClockifyOperation,
  params: Record<string, string>,
  data: WorkspaceData,
): PathEntity[] {
  const segments = op.path.split('/');
  const out: PathEntity[] = [];
  segments.forEach((segment, i) => {
    const m = /^\{([^}]+)\}$/.exec(segment);
    if (m === null || m[1] === 'workspaceId') return;
    const list = entitiesNamedBy(segments[i - 1] ?? '', params, data);
    const value = params[m[1]!];
    out.push({ param: m[1]!, known: list !== undefined, entity: list?.find((e) => e.id === value) });
  });
  return out;
}

/** The first path param whose id does not exist (answer 404), if any. */
export function unknownEntityParam(
  op: ClockifyOperation,
  params: Record<string, string>,
  data: WorkspaceData,
) {
  return pathEntities(op, params, data).find((p) => p.known && p.entity === undefined)?.param;
}

function collectionFor(
  op: ClockifyOperation,
  params: Record<string, string>,
  data: WorkspaceData,
): Entity[] | undefined {
  switch (op.operationId) {
    case 'getUsersOfWorkspace':
      return data.users;
    case 'getClients':
      return data.clients;
    case 'getProjects':
      return data.projects;
    case 'getTasks':
      return data.tasks.get(params.projectId ?? '') ?? [];
    case 'getTags':
      return data.tags;
    case 'getTimeEntries':
      return data.timeEntries.get(params.userId ?? '') ?? [];
    case 'getUserGroups':
      return data.userGroups;
    case 'ofWorkspace':
    case 'getCustomFieldsOfProject':
      return data.customFields;
    case 'getWorkspacesOfUser':
      return [data.workspace];
    default:
      return undefined;
  }
}

/** An empty value of the response's shape: [] for lists, {} with empty arrays for objects. */
function emptyFor(schema: JsonSchema | undefined): unknown {
  if (schema?.type === 'array') return [];
  if (schema?.type === 'string') return '';
  const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  return Object.fromEntries(
    Object.entries(props)
      .filter(([, s]) => s.type === 'array')
      .map(([k]) => [k, []]),
  );
}

const positiveInt = (value: unknown, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
};

/**
 * One page of a list: `page` is 1-based (a page below 1 is page 1), the size defaults to the spec's
 * default (50 on most lists). `Last-Page` is true on the page that holds the last item and on every
 * page past the end, which are empty.
 */
export function paginate(
  op: ClockifyOperation,
  items: readonly unknown[],
  query: Record<string, unknown>,
): FakeReply {
  const sizeName = pageSizeParam(op.pagination);
  if (sizeName === undefined) return { status: 200, body: items };
  const specDefault = op.parameters.find((p) => p.name === sizeName)?.schema?.default;
  const size = positiveInt(query[sizeName], positiveInt(specDefault, 50));
  const page = positiveInt(query.page, 1);
  const start = (page - 1) * size;
  const body = items.slice(start, start + size);
  return { status: 200, body, headers: { 'last-page': String(start + size >= items.length) } };
}

export function answerRead(
  op: ClockifyOperation,
  params: Record<string, string>,
  query: Record<string, unknown>,
  data: WorkspaceData,
): FakeReply {
  if (op.operationId === 'getWorkspaceOfUser') return { status: 200, body: data.workspace };
  if (op.operationId === 'getLoggedUser') return { status: 200, body: data.users[0] ?? {} };
  if (op.operationId === 'getWebhooks') {
    return { status: 200, body: { webhooks: data.webhooks, workspaceWebhookCount: data.webhooks.length } };
  }
  const collection = collectionFor(op, params, data);
  const listLike = op.responseSchema?.type === 'array' || op.pagination !== 'none';
  if (collection !== undefined || listLike) return paginate(op, collection ?? [], query);
  // A single entity addressed by the path's last param (getProject, getTask, getTimeEntry, …).
  const last = pathEntities(op, params, data).at(-1);
  if (last?.entity !== undefined && last.param === op.pathParams.at(-1))
    return { status: 200, body: last.entity };
  return { status: 200, body: emptyFor(op.responseSchema) };
}

export function answerWrite(
  op: ClockifyOperation,
  params: Record<string, string>,
  body: unknown,
  data: WorkspaceData,
  newId: () => string,
): FakeReply {
  const input =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const status = op.successStatus;
  if (op.operationId === 'createWebhook') {
    const id = newId();
    const webhook: Entity = {
      ...input,
      id,
      workspaceId: data.id,
      enabled: true,
      authToken: `fake-webhook-token-${id}`,
    };
    data.webhooks.push(webhook);
    return { status, body: webhook };
  }
  const target = pathEntities(op, params, data).at(-1);
  const existing = target?.param === op.pathParams.at(-1) ? target?.entity : undefined;
  if (op.method === 'DELETE' && existing !== undefined && data.webhooks.includes(existing)) {
    data.webhooks.splice(data.webhooks.indexOf(existing), 1);
  }
  if (status === 204) return { status };
  switch (op.method) {
    case 'DELETE':
      return { status, body: existing ?? {} };
    case 'PUT':
    case 'PATCH':
      return {
        status,
        body: { ...existing, ...input, id: existing?.id ?? params[op.pathParams.at(-1) ?? ''] ?? newId() },
      };
    case 'POST':
    case 'GET':
      return { status, body: { ...input, id: newId(), workspaceId: data.id } };
  }
}
