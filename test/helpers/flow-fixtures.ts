/** Shared inputs for the pure flow-language tests (src/modules/flows/*.test.ts). */
import type { ActionResult, FlowContext, FlowEvent } from '../../src/modules/flows/context.js';
import type { CatalogueOperation, OperationCatalogue } from '../../src/modules/flows/definition.js';

export const timeEntryBody = {
  id: '64a1b2c3d4e5f60718293a4b',
  description: 'Fix Login bug',
  userId: 'u1',
  projectId: 'p1',
  workspaceId: 'ws1',
  billable: true,
  tagIds: ['t1', 't2'],
  hourlyRate: { amount: 5000, currency: 'EUR' },
  duration: '3600',
  timeInterval: { start: '2024-05-01T08:00:00Z', end: '2024-05-01T09:00:00Z' },
  customFields: [{ name: 'Ticket', value: 'JIRA-42' }],
  note: null,
  empty: '',
  zero: 0,
};

export const cachedProject = { id: 'p1', name: 'Internal Tools', clientId: 'c1', archived: false };

export function makeContext(overrides: Partial<FlowContext> = {}): FlowContext {
  const actions: ActionResult[] = [
    { id: 'createTask', index: 0, status: 201, body: { id: 'task9', name: 'Follow-up' } },
  ];
  return {
    webhook: timeEntryBody,
    event: {
      id: 'evt_1',
      type: 'NEW_TIME_ENTRY',
      source: 'clockify',
      receivedAt: '2024-05-01T09:00:01.000Z',
    },
    workspace: { id: 'ws1' },
    flow: { id: 'flw_1', version: 3 },
    execution: { id: 'exe_1' },
    actions,
    cache: (type, id) => (type === 'project' && id === 'p1' ? cachedProject : undefined),
    ...overrides,
  };
}

export function makeEvent(overrides: Partial<FlowEvent> = {}): FlowEvent {
  return {
    id: 'evt_1',
    workspaceId: 'ws1',
    sourceKind: 'clockify',
    sourceId: null,
    eventType: 'NEW_TIME_ENTRY',
    payload: timeEntryBody,
    receivedAt: new Date('2024-05-01T09:00:01.000Z'),
    ...overrides,
  };
}

const op = (
  o: Partial<CatalogueOperation> & Pick<CatalogueOperation, 'operationId' | 'method'>,
): CatalogueOperation => ({
  pathParams: [],
  parameters: [],
  ...o,
});

/** A few operations shaped like the real catalogue's (same ids, params and required body fields). */
export const OPERATIONS: CatalogueOperation[] = [
  op({
    operationId: 'createTask',
    method: 'POST',
    pathParams: ['workspaceId', 'projectId'],
    parameters: [
      { name: 'workspaceId', in: 'path', required: true },
      { name: 'projectId', in: 'path', required: true },
      { name: 'contains-assignee', in: 'query', required: false },
    ],
    requestBody: { required: true, contentType: 'application/json', schema: { required: ['name'] } },
  }),
  op({
    operationId: 'getProject',
    method: 'GET',
    pathParams: ['workspaceId', 'projectId'],
    parameters: [
      { name: 'workspaceId', in: 'path', required: true },
      { name: 'projectId', in: 'path', required: true },
    ],
  }),
  op({
    operationId: 'getHolidaysInPeriod',
    method: 'GET',
    pathParams: ['workspaceId'],
    parameters: [
      { name: 'workspaceId', in: 'path', required: true },
      { name: 'assigned-to', in: 'query', required: true },
      { name: 'start', in: 'query', required: true },
      { name: 'end', in: 'query', required: true },
    ],
  }),
  op({
    operationId: 'updateTimeEntry',
    method: 'PUT',
    pathParams: ['workspaceId', 'id'],
    parameters: [
      { name: 'workspaceId', in: 'path', required: true },
      { name: 'id', in: 'path', required: true },
    ],
    requestBody: { required: true, contentType: 'application/json', schema: { required: ['start'] } },
  }),
];

export const catalogue: OperationCatalogue = {
  operations: OPERATIONS,
  get: (id) => OPERATIONS.find((o) => o.operationId === id),
};

/** A valid definition touching every part of the language; tests override pieces of it. */
export function validDefinition(): Record<string, unknown> {
  return {
    version: 1,
    name: 'Follow up billable entries',
    trigger: {
      sources: ['clockify'],
      events: ['NEW_TIME_ENTRY', 'TIME_ENTRY_*'],
      filter: { mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value: true }] },
    },
    conditions: {
      mode: 'ANY',
      rules: [
        { path: '$.webhook.description', op: 'contains', value: 'bug', caseInsensitive: true },
        {
          mode: 'ALL',
          rules: [
            { path: '{{ cache.project[webhook.projectId].name }}', op: 'starts_with', value: 'Internal' },
            { path: '$.webhook.customFields[*].value', op: 'contains', value: 'JIRA-42' },
          ],
        },
      ],
    },
    actions: [
      {
        id: 'createTask',
        type: 'clockify',
        operationId: 'createTask',
        pathParams: { projectId: '{{ webhook.projectId }}' },
        body: { name: 'Review: {{ webhook.description }}', billable: '{{ webhook.billable }}' },
        retry: { attempts: 3, backoff: 'exponential' },
      },
      {
        id: 'notify',
        type: 'http',
        method: 'POST',
        url: 'https://hooks.example.com/notify/{{ workspace.id }}',
        headers: { 'X-Flow': '{{ flow.id }}' },
        body: { task: '{{ actions.createTask.body.id }}', status: '{{ actions[0].status }}' },
        when: { mode: 'ALL', rules: [{ path: '$.actions.createTask.status', op: '==', value: 201 }] },
        onError: 'continue',
        timeoutMs: 5000,
      },
    ],
  };
}
