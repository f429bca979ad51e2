/**
 * Which manifest scope a Clockify operation needs, and whether it changes data.
 *
 * Clockify publishes no operation → scope mapping (PLATFORM.md §1, "UNCONFIRMED"), so it is inferred:
 * the **resource** comes from the first rule below whose pattern matches the operation's path (the
 * spec's tags are a cross-check in the tests, not the source: several tags group operations on another
 * resource, e.g. tag `Workspace` holds `PUT /users/{userId}`), and the **access** from `isWriteOperation`.
 * The scope is a best guess shown to admins ("likely needs PROJECT_WRITE") and used to explain a 403; it
 * never blocks a call.
 */
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import type { SCOPES } from '../manifest/build-manifest.js';

export type Scope = (typeof SCOPES)[number];

type Resource =
  | 'CLIENT'
  | 'PROJECT'
  | 'TAG'
  | 'TASK'
  | 'TIME_ENTRY'
  | 'EXPENSE'
  | 'INVOICE'
  | 'USER'
  | 'GROUP'
  | 'WORKSPACE'
  | 'CUSTOM_FIELDS'
  | 'APPROVAL'
  | 'SCHEDULING'
  | 'REPORTS'
  | 'TIME_OFF';

export type ScopeRule = { id: string; pattern: RegExp; resource: Resource; why: string };

/**
 * Ordered: the first match wins, so nested resources come before their parents (a project's tasks
 * before projects, a user's custom-field value before custom fields). Patterns run on the path template.
 */
export const SCOPE_RULES: readonly ScopeRule[] = [
  {
    id: 'reports',
    pattern: /\/(reports|shared-reports)(\/|$)/,
    resource: 'REPORTS',
    why: 'report generation and shared reports (reports server)',
  },
  {
    id: 'audit-log',
    pattern: /\/audit-log$/,
    resource: 'REPORTS',
    why: 'the audit log is a report (tag "Audit Log Report")',
  },
  {
    id: 'time-off',
    pattern: /\/(time-off|holidays)(\/|$)/,
    resource: 'TIME_OFF',
    why: 'policies, balances, requests; holidays belong to the time-off feature in Clockify',
  },
  { id: 'scheduling', pattern: /\/scheduling\//, resource: 'SCHEDULING', why: 'assignments and capacity' },
  { id: 'approvals', pattern: /\/approval-requests(\/|$)/, resource: 'APPROVAL', why: 'approval requests' },
  {
    id: 'expenses',
    pattern: /\/expenses(\/|$)/,
    resource: 'EXPENSE',
    why: 'expenses, categories, receipts',
  },
  {
    id: 'invoices',
    pattern: /\/invoices(\/|$)/,
    resource: 'INVOICE',
    why: 'invoices, items, payments, settings',
  },
  {
    id: 'user-custom-field-value',
    pattern: /\/users\/\{[^}]+\}\/custom-field\//,
    resource: 'USER',
    why: "a user's own custom-field value is user data",
  },
  { id: 'tasks', pattern: /\/projects\/\{[^}]+\}\/tasks(\/|$)/, resource: 'TASK', why: "a project's tasks" },
  {
    id: 'custom-fields',
    pattern: /\/custom-fields(\/|$)/,
    resource: 'CUSTOM_FIELDS',
    why: 'custom field definitions, including a project’s default values',
  },
  {
    id: 'projects',
    pattern: /\/projects(\/|$)/,
    resource: 'PROJECT',
    why: 'projects, memberships, estimates, per-project user rates, templates',
  },
  {
    id: 'time-entries',
    pattern: /\/time-entries(\/|$)/,
    resource: 'TIME_ENTRY',
    why: "time entries, the workspace's or one user's",
  },
  {
    id: 'timesheet-templates',
    pattern: /\/templates(\/|$)/,
    resource: 'TIME_ENTRY',
    why: 'deprecated timesheet templates (projects/tasks and time entry ids)',
  },
  { id: 'user-groups', pattern: /\/user-groups(\/|$)/, resource: 'GROUP', why: 'user groups and members' },
  { id: 'clients', pattern: /\/clients(\/|$)/, resource: 'CLIENT', why: 'clients' },
  { id: 'tags', pattern: /\/tags(\/|$)/, resource: 'TAG', why: 'tags' },
  {
    id: 'users',
    pattern: /\/(users|member-profile)(\/|$)|^\/v1\/user$|^\/v1\/file\/image$/,
    resource: 'USER',
    why: 'workspace members, their status, rates, roles and profile; the current user; profile photo',
  },
  {
    id: 'webhooks',
    pattern: /\/(webhooks|addons)(\/|$)/,
    resource: 'WORKSPACE',
    why: 'webhooks are workspace configuration (there is no webhook scope)',
  },
  {
    id: 'entity-changes',
    pattern: /\/entities\/(created|updated|deleted)$/,
    resource: 'WORKSPACE',
    why: 'change log across entity types (clients, projects, time entries, …)',
  },
  {
    id: 'workspace',
    pattern: /^\/v1\/workspaces(\/\{workspaceId\}(\/(cost-rate|hourly-rate))?)?$/,
    resource: 'WORKSPACE',
    why: 'the workspace itself and its default rates',
  },
];

/** Resource for operations no rule matches (a newer spec): the workspace, the broadest guess. */
const FALLBACK: Resource = 'WORKSPACE';

/**
 * POST operations that only read: searches, filters and report generation. An explicit list (tested
 * against the catalogue), not a pattern, so a new POST in a newer spec counts as a write until someone
 * looks at it; misclassifying a write as a read would skip the write gate.
 */
export const READ_ONLY_POSTS: ReadonlySet<string> = new Set([
  'getInvoicesInfo',
  'getFilteredProjectTotals',
  'getUserTotals',
  'getTimeOffRequest',
  'filterUsersOfWorkspace',
  'getLogsForWebhook',
  'generateAttendanceReport',
  'generateDetailedReport',
  'generateDetailedReportV1',
  'generateSummaryReport',
  'generateWeeklyReport',
  'getAuditLogs',
]);

type OpShape = Pick<ClockifyOperation, 'operationId' | 'method' | 'path'>;

/** The call may change Clockify data: every non-GET except the read-only POSTs. */
export function isWriteOperation(op: OpShape): boolean {
  if (op.method === 'GET') return false;
  return !(op.method === 'POST' && READ_ONLY_POSTS.has(op.operationId));
}

export type ScopeInfo = { scope: Scope; rule: string };

export function scopeOf(op: OpShape): ScopeInfo {
  const rule = SCOPE_RULES.find((r) => r.pattern.test(op.path));
  const resource = rule?.resource ?? FALLBACK;
  const access = isWriteOperation(op) ? 'WRITE' : 'READ';
  return { scope: `${resource}_${access}`, rule: rule?.id ?? 'fallback' };
}
