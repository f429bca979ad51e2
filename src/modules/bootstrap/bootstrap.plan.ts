/**
 * The bootstrap planner: which Clockify GET operations fill a workspace's entity cache, with which
 * parameters. Pure: the catalogue, the settings and `now` go in, a plan comes out (docs/bootstrap.md).
 *
 * Rules, in order, for every safe (GET) operation of the catalogue:
 * 1. deprecated operations are left out;
 * 2. only operations in BOOTSTRAP_LISTS are fetched: workspace-level entity lists, plus two child lists
 *    whose path parameter comes from a parent list (tasks per project, time entries per user). Every
 *    other GET is left out with the reason (a detail read of an entity a list already returns, a
 *    singleton or export, a required query parameter we cannot choose, a path parameter that neither
 *    the workspace nor a parent list provides);
 * 3. heavy operations (catalogue `heavy`) only with the `bootstrap_include_heavy` setting, except the
 *    per-user time-entry listing, which the `start` bound (days back) keeps proportional to the data;
 * 4. time-entry lists only with `bootstrap_include_time_entries`; they get `start = now − days back`;
 * 5. a child list is planned only when its parent list is.
 */
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';

export type ListRule = {
  entityType: string;
  /** Dotted path to the item array in an object response (arrays are used as they are). */
  itemsPath?: string;
  /** Dotted path to an item's id (default `id`). */
  idPath?: string;
  /** A child list: this path parameter is filled with each id of the parent entity type. */
  parent?: { entityType: string; param: string };
  /** Query parameters always sent (required ones Clockify has no default for). */
  query?: Record<string, string>;
  /** A time-entry listing: governed by the time-entry settings and bounded by `start`. */
  timeEntries?: boolean;
  /** Fetched even when the catalogue marks it heavy (see rule 3). */
  notHeavyForBootstrap?: boolean;
  /** The response is one entity, not a list. */
  single?: boolean;
};

export const BOOTSTRAP_LISTS: Readonly<Record<string, ListRule>> = {
  getWorkspaceOfUser: { entityType: 'workspace', single: true },
  getUsersOfWorkspace: { entityType: 'user', query: { 'include-roles': 'false' } },
  getUserGroups: { entityType: 'user-group' },
  getClients: { entityType: 'client' },
  getProjects: { entityType: 'project' },
  getTasks: { entityType: 'task', parent: { entityType: 'project', param: 'projectId' } },
  getTags: { entityType: 'tag' },
  ofWorkspace: { entityType: 'custom-field' },
  getApprovalRequests: { entityType: 'approval-request', idPath: 'approvalRequest.id' },
  getExpenses: { entityType: 'expense', itemsPath: 'expenses.expenses' },
  getCategories: { entityType: 'expense-category', itemsPath: 'categories' },
  getInvoices: { entityType: 'invoice', itemsPath: 'invoices' },
  getHolidays: { entityType: 'holiday' },
  findPoliciesForWorkspace: { entityType: 'time-off-policy' },
  getWebhooks: { entityType: 'webhook', itemsPath: 'webhooks' },
  getTimeEntries: {
    entityType: 'time-entry',
    parent: { entityType: 'user', param: 'userId' },
    timeEntries: true,
    notHeavyForBootstrap: true,
  },
  getInProgressTimeEntries: { entityType: 'time-entry', timeEntries: true },
  getSharedReportsV1: { entityType: 'shared-report', itemsPath: 'reports' },
};

/** Every entity type the cache can hold (bootstrap lists and webhook-only types). */
export const ENTITY_TYPES = [
  ...new Set([...Object.values(BOOTSTRAP_LISTS).map((r) => r.entityType), 'assignment', 'time-off-request']),
].sort();

export type PlanSettings = {
  includeHeavy: boolean;
  includeTimeEntries: boolean;
  timeEntryDaysBack: number;
  pageSize: number;
};

export type PlannedOperation = {
  operationId: string;
  entityType: string;
  pathParams: Record<string, string>;
  /** `name=value&…` of the non-workspace path params: unique per operation within a run. */
  paramsKey: string;
  query: Record<string, string>;
};

/** A child list to expand once per id of `parentType`. */
export type ChildTemplate = Omit<PlannedOperation, 'paramsKey'> & { parentType: string; param: string };

export type Exclusion = { operationId: string; reason: string };

export type BootstrapPlan = {
  pageSize: number;
  roots: PlannedOperation[];
  children: ChildTemplate[];
  excluded: Exclusion[];
};

export type PlanInput = {
  operations: readonly Pick<
    ClockifyOperation,
    | 'operationId'
    | 'method'
    | 'path'
    | 'pathParams'
    | 'parameters'
    | 'deprecated'
    | 'safe'
    | 'heavy'
    | 'pagination'
  >[];
  workspaceId: string;
  settings: PlanSettings;
  now: Date;
};

const DAY_MS = 86_400_000;

export function paramsKeyOf(pathParams: Record<string, string>): string {
  return Object.entries(pathParams)
    .filter(([k]) => k !== 'workspaceId')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Start of the time-entry window, to the second, in Clockify's `yyyy-MM-ddThh:mm:ssZ` format. */
export function timeEntryStart(now: Date, daysBack: number): string {
  return new Date(now.getTime() - daysBack * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function exclusionOf(op: PlanInput['operations'][number]): string {
  const last = op.pathParams.at(-1);
  if (last !== undefined && op.pagination === 'none' && op.path.endsWith(`{${last}}`)) {
    return 'reads one entity (or file) that a list already returns';
  }
  const requiredQuery = op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => p.name);
  if (requiredQuery.length > 0)
    return `needs query parameter(s) ${requiredQuery.join(', ')} the bootstrap cannot choose`;
  const unresolved = op.pathParams.filter((p) => p !== 'workspaceId');
  if (unresolved.length > 0) {
    return `path parameter(s) ${unresolved.join(', ')} are not resolved from the workspace or a planned parent list`;
  }
  if (!op.pathParams.includes('workspaceId')) return 'not scoped to the workspace';
  return 'not an entity list the cache keeps (settings, totals or a duplicate view)';
}

export function planBootstrap(input: PlanInput): BootstrapPlan {
  const { settings } = input;
  const roots: PlannedOperation[] = [];
  const children: ChildTemplate[] = [];
  const excluded: Exclusion[] = [];
  const start = timeEntryStart(input.now, settings.timeEntryDaysBack);

  const candidates: { op: PlanInput['operations'][number]; rule: ListRule }[] = [];
  for (const op of input.operations) {
    if (!op.safe) continue;
    const rule = BOOTSTRAP_LISTS[op.operationId];
    if (op.deprecated) excluded.push({ operationId: op.operationId, reason: 'deprecated' });
    else if (rule === undefined) excluded.push({ operationId: op.operationId, reason: exclusionOf(op) });
    else if (op.heavy && !rule.notHeavyForBootstrap && !settings.includeHeavy)
      excluded.push({ operationId: op.operationId, reason: 'heavy; enable "Include heavy endpoints"' });
    else if (rule.timeEntries && !settings.includeTimeEntries)
      excluded.push({ operationId: op.operationId, reason: 'time entries are off in settings' });
    else candidates.push({ op, rule });
  }

  const plannedTypes = new Set(
    candidates.filter((c) => c.rule.parent === undefined).map((c) => c.rule.entityType),
  );
  for (const { op, rule } of candidates) {
    const query: Record<string, string> = { ...rule.query };
    if (rule.timeEntries && op.parameters.some((p) => p.in === 'query' && p.name === 'start'))
      query.start = start;
    const base = { operationId: op.operationId, entityType: rule.entityType, query };
    const workspaceParams: Record<string, string> = op.pathParams.includes('workspaceId')
      ? { workspaceId: input.workspaceId }
      : {};
    if (rule.parent === undefined) {
      roots.push({ ...base, pathParams: workspaceParams, paramsKey: '' });
    } else if (!plannedTypes.has(rule.parent.entityType)) {
      excluded.push({
        operationId: op.operationId,
        reason: `its parent list (${rule.parent.entityType}) is not planned`,
      });
    } else {
      children.push({
        ...base,
        pathParams: workspaceParams,
        parentType: rule.parent.entityType,
        param: rule.parent.param,
      });
    }
  }
  const byId = (a: { operationId: string }, b: { operationId: string }) =>
    a.operationId.localeCompare(b.operationId);
  return {
    pageSize: settings.pageSize,
    roots: roots.sort(byId),
    children: children.sort(byId),
    excluded: excluded.sort(byId),
  };
}

/** The child operations one page of `parentType` entities adds (tasks of these projects, …). */
export function expandChildren(
  plan: Pick<BootstrapPlan, 'children'>,
  parentType: string,
  parentIds: readonly string[],
): PlannedOperation[] {
  const out: PlannedOperation[] = [];
  for (const t of plan.children) {
    if (t.parentType !== parentType) continue;
    for (const id of parentIds) {
      const pathParams = { ...t.pathParams, [t.param]: id };
      out.push({
        operationId: t.operationId,
        entityType: t.entityType,
        pathParams,
        query: t.query,
        paramsKey: paramsKeyOf(pathParams),
      });
    }
  }
  return out;
}

const at = (value: unknown, path: string | undefined): unknown =>
  path === undefined
    ? value
    : path
        .split('.')
        .reduce<unknown>(
          (v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined),
          value,
        );

/** The items of a response body: the array itself, the array at the rule's path, or the first array field. */
export function itemsOf(body: unknown, rule: Pick<ListRule, 'itemsPath' | 'single'>): unknown[] {
  if (rule.single) return typeof body === 'object' && body !== null && !Array.isArray(body) ? [body] : [];
  if (Array.isArray(body)) return body;
  const nested = at(body, rule.itemsPath);
  if (Array.isArray(nested)) return nested;
  if (typeof body === 'object' && body !== null)
    return (Object.values(body).find(Array.isArray) as unknown[] | undefined) ?? [];
  return [];
}

/** An item's id as a string, or undefined when it has none. */
export function idOf(item: unknown, rule: Pick<ListRule, 'idPath'>): string | undefined {
  const id = at(item, rule.idPath ?? 'id');
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
}

/**
 * Seconds left, from the requests still needed at the run's rate. Unknown page counts are estimated
 * from the pages per finished operation so far (at least one request per open operation).
 */
export function estimateSecondsLeft(p: {
  opsTotal: number;
  opsDone: number;
  pages: number;
  ratePerSecond: number;
}): number {
  const open = Math.max(0, p.opsTotal - p.opsDone);
  if (open === 0) return 0;
  const perOp = p.opsDone > 0 ? Math.max(1, p.pages / p.opsDone) : 1;
  return Math.ceil((open * perOp) / Math.max(1, p.ratePerSecond));
}
