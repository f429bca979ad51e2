/**
 * Which cache change a Clockify webhook event makes. Pure: the event type and payload go in, an action
 * comes out. Full-entity payloads replace the cached data; partial ones (user and assignment events
 * carry a few fields) are merged into it. Events without one entity id (invitations, rate and balance
 * updates) change nothing: the next bootstrap run picks up their effects.
 */
export type CacheAction =
  | { kind: 'upsert'; entityType: string; entityId: string; data: Record<string, unknown>; merge: boolean }
  | { kind: 'delete'; entityType: string; entityId: string }
  | { kind: 'ignore'; reason: string };

type Rule = { entityType: string; op: 'upsert' | 'merge' | 'delete'; idField?: string };

const upsert = (entityType: string, idField?: string): Rule => ({ entityType, op: 'upsert', idField });
const merge = (entityType: string, idField?: string): Rule => ({ entityType, op: 'merge', idField });
const remove = (entityType: string, idField?: string): Rule => ({ entityType, op: 'delete', idField });

export const CACHE_EVENT_RULES: Readonly<Record<string, Rule>> = {
  NEW_PROJECT: upsert('project'),
  PROJECT_UPDATED: upsert('project'),
  PROJECT_DELETED: remove('project'),
  NEW_CLIENT: upsert('client'),
  CLIENT_UPDATED: upsert('client'),
  CLIENT_DELETED: remove('client'),
  NEW_TAG: upsert('tag'),
  TAG_UPDATED: upsert('tag'),
  TAG_DELETED: remove('tag'),
  NEW_TASK: upsert('task'),
  TASK_UPDATED: upsert('task'),
  TASK_DELETED: remove('task'),
  NEW_TIME_ENTRY: upsert('time-entry'),
  NEW_TIMER_STARTED: upsert('time-entry'),
  TIMER_STOPPED: upsert('time-entry'),
  TIME_ENTRY_UPDATED: upsert('time-entry'),
  TIME_ENTRY_RESTORED: upsert('time-entry'),
  TIME_ENTRY_SPLIT: upsert('time-entry'),
  TIME_ENTRY_DELETED: remove('time-entry'),
  USER_JOINED_WORKSPACE: merge('user'),
  USER_ACTIVATED_ON_WORKSPACE: merge('user'),
  USER_DEACTIVATED_ON_WORKSPACE: merge('user'),
  USER_UPDATED: merge('user'),
  USER_EMAIL_CHANGED: merge('user'),
  USER_DELETED_FROM_WORKSPACE: remove('user'),
  USER_GROUP_CREATED: upsert('user-group'),
  USER_GROUP_UPDATED: upsert('user-group'),
  USER_GROUP_DELETED: remove('user-group'),
  EXPENSE_CREATED: upsert('expense'),
  EXPENSE_UPDATED: upsert('expense'),
  EXPENSE_RESTORED: upsert('expense'),
  EXPENSE_DELETED: remove('expense', 'expenseId'),
  NEW_INVOICE: upsert('invoice'),
  INVOICE_UPDATED: upsert('invoice'),
  ASSIGNMENT_CREATED: merge('assignment', 'assignmentId'),
  ASSIGNMENT_UPDATED: merge('assignment', 'assignmentId'),
  ASSIGNMENT_PUBLISHED: merge('assignment', 'assignmentId'),
  ASSIGNMENT_DELETED: remove('assignment', 'assignmentId'),
  NEW_APPROVAL_REQUEST: merge('approval-request'),
  APPROVAL_REQUEST_STATUS_UPDATED: merge('approval-request'),
  TIME_OFF_REQUESTED: upsert('time-off-request'),
  TIME_OFF_REQUEST_UPDATED: upsert('time-off-request'),
  TIME_OFF_REQUEST_APPROVED: upsert('time-off-request'),
  TIME_OFF_REQUEST_REJECTED: upsert('time-off-request'),
  TIME_OFF_REQUEST_WITHDRAWN: upsert('time-off-request'),
  TIME_OFF_REQUEST_STARTED: upsert('time-off-request'),
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function cacheActionFor(eventType: string, payload: unknown, workspaceId: string): CacheAction {
  const rule = CACHE_EVENT_RULES[eventType];
  if (rule === undefined) return { kind: 'ignore', reason: `${eventType} does not name one cached entity` };
  if (!isRecord(payload)) return { kind: 'ignore', reason: 'payload is not an object' };
  // The event's workspace (from its verified token) scopes the write; a payload naming another one is ignored.
  if (typeof payload.workspaceId === 'string' && payload.workspaceId !== workspaceId) {
    return { kind: 'ignore', reason: 'payload belongs to another workspace' };
  }
  const rawId = payload[rule.idField ?? 'id'];
  if (typeof rawId !== 'string' || rawId === '')
    return { kind: 'ignore', reason: `payload has no ${rule.idField ?? 'id'}` };
  if (rule.op === 'delete') return { kind: 'delete', entityType: rule.entityType, entityId: rawId };
  return {
    kind: 'upsert',
    entityType: rule.entityType,
    entityId: rawId,
    data: payload,
    merge: rule.op === 'merge',
  };
}
