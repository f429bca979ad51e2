/** The 51 webhook event types Clockify sends (manifest schema 1.6; Clockify's webhook-events.json). */
export const CLOCKIFY_WEBHOOK_EVENTS = [
  'APPROVAL_REQUEST_STATUS_UPDATED',
  'ASSIGNMENT_CREATED',
  'ASSIGNMENT_DELETED',
  'ASSIGNMENT_PUBLISHED',
  'ASSIGNMENT_UPDATED',
  'BALANCE_UPDATED',
  'BILLABLE_RATE_UPDATED',
  'CLIENT_DELETED',
  'CLIENT_UPDATED',
  'COST_RATE_UPDATED',
  'EXPENSE_CREATED',
  'EXPENSE_DELETED',
  'EXPENSE_RESTORED',
  'EXPENSE_UPDATED',
  'INVOICE_UPDATED',
  'LIMITED_USERS_ADDED_TO_WORKSPACE',
  'NEW_APPROVAL_REQUEST',
  'NEW_CLIENT',
  'NEW_INVOICE',
  'NEW_PROJECT',
  'NEW_TAG',
  'NEW_TASK',
  'NEW_TIMER_STARTED',
  'NEW_TIME_ENTRY',
  'PROJECT_DELETED',
  'PROJECT_UPDATED',
  'TAG_DELETED',
  'TAG_UPDATED',
  'TASK_DELETED',
  'TASK_UPDATED',
  'TIMER_STOPPED',
  'TIME_ENTRY_DELETED',
  'TIME_ENTRY_RESTORED',
  'TIME_ENTRY_SPLIT',
  'TIME_ENTRY_UPDATED',
  'TIME_OFF_REQUESTED',
  'TIME_OFF_REQUEST_APPROVED',
  'TIME_OFF_REQUEST_REJECTED',
  'TIME_OFF_REQUEST_STARTED',
  'TIME_OFF_REQUEST_UPDATED',
  'TIME_OFF_REQUEST_WITHDRAWN',
  'USERS_INVITED_TO_WORKSPACE',
  'USER_ACTIVATED_ON_WORKSPACE',
  'USER_DEACTIVATED_ON_WORKSPACE',
  'USER_DELETED_FROM_WORKSPACE',
  'USER_EMAIL_CHANGED',
  'USER_GROUP_CREATED',
  'USER_GROUP_DELETED',
  'USER_GROUP_UPDATED',
  'USER_JOINED_WORKSPACE',
  'USER_UPDATED',
] as const;
export type ClockifyWebhookEvent = (typeof CLOCKIFY_WEBHOOK_EVENTS)[number];

const KNOWN = new Set<string>(CLOCKIFY_WEBHOOK_EVENTS);
export const isClockifyEvent = (e: string): e is ClockifyWebhookEvent => KNOWN.has(e);

/**
 * Declared in the manifest by default: the events most add-ons react to. Clockify caps an add-on's
 * manifest webhooks (10–20), so the rest are registered through the API at install.
 */
export const DEFAULT_MANIFEST_EVENTS: readonly ClockifyWebhookEvent[] = [
  'NEW_TIME_ENTRY',
  'TIME_ENTRY_UPDATED',
  'TIME_ENTRY_DELETED',
  'NEW_TIMER_STARTED',
  'TIMER_STOPPED',
  'NEW_PROJECT',
  'PROJECT_UPDATED',
  'NEW_CLIENT',
  'NEW_TASK',
  'USER_JOINED_WORKSPACE',
];

export const CLOCKIFY_WEBHOOK_PREFIX = '/webhooks/clockify';
export const clockifyWebhookPath = (event: string): string => `${CLOCKIFY_WEBHOOK_PREFIX}/${event}`;
