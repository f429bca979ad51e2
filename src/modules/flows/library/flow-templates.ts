/**
 * The flow template library (`GET /ui/flow-templates`, `POST /ui/flow-templates/{id}/install`): ready
 * flows a Clockify admin installs by filling in a few inputs. A template is data plus a function from
 * checked inputs to a definition; inputs are written into the definition as literal values (text
 * through `literalText`), never spliced into template syntax, except field names, which their input
 * type restricts to `name.name…`. Every installed flow is `enabled: false` until the admin enables it.
 *
 * Operation ids come from the Clockify catalogue (openapi/clockify/openapi.json) and event names from
 * src/integrations/clockify/webhook-events.ts; the tests check both, and dry-run each template on a
 * Clockify sample payload (test/fixtures/clockify/webhook-samples).
 */
import type { FLOW_DEFINITION_VERSION } from '../definition.js';
import { type TemplateInput, literalText } from './inputs.js';

export type FlowTemplateCategory = 'time-tracking' | 'projects' | 'billing' | 'time-off' | 'integrations';

/** A definition as JSON, as the flows routes accept and save it. */
export type FlowDefinitionJson = {
  version: typeof FLOW_DEFINITION_VERSION;
  name: string;
  description: string;
  enabled: false;
  trigger: { sources: string[]; events: string[]; filter?: Record<string, unknown> };
  conditions?: Record<string, unknown>;
  actions: Record<string, unknown>[];
};

export type FlowTemplate = {
  id: string;
  name: string;
  description: string;
  category: FlowTemplateCategory;
  /** What the workspace needs before the flow can run (shown before installing). */
  requirements: string[];
  inputs: readonly TemplateInput[];
  /** The definition for checked inputs (defaults applied). */
  build(inputs: Readonly<Record<string, unknown>>): Omit<FlowDefinitionJson, 'name' | 'enabled' | 'version'>;
};

/** Every template also takes an optional flow name. */
export const NAME_INPUT: TemplateInput = {
  name: 'name',
  label: 'Flow name',
  type: 'text',
  required: false,
  description: "The installed flow's name; the template's name when empty.",
  maxLength: 200,
};

const RETRY = { attempts: 3, backoff: 'exponential' } as const;

const str = (v: unknown): string => String(v);

/** The fields `updateTimeEntry` (PUT) needs to keep a time entry as it is. */
const keepTimeEntry = {
  start: '{{ webhook.timeInterval.start }}',
  end: '{{ webhook.timeInterval.end }}',
  billable: '{{ webhook.billable }}',
  description: "{{ webhook.description | default: '' }}",
  projectId: '{{ webhook.projectId }}',
  taskId: '{{ webhook.taskId | default: null }}',
};

/** A finished entry: `end` is there and not null (a running timer's is null; PUT without it would restart it). */
const completedEntry = [
  { path: '$.webhook.timeInterval.end', op: 'exists' },
  { path: '$.webhook.timeInterval.end', op: '!=', value: null },
] as const;

export const FLOW_TEMPLATES: readonly FlowTemplate[] = [
  {
    id: 'tag-project-entries',
    name: 'Tag new time entries of a project',
    description:
      'When a time entry without tags is added to the chosen project, give it the chosen tag (for example "client-work" or "R&D"), keeping its times, project, task, description and billable flag.',
    category: 'time-tracking',
    requirements: [],
    inputs: [
      {
        name: 'projectId',
        label: 'Project',
        type: 'clockifyId',
        required: true,
        description: 'The project whose new time entries are tagged.',
      },
      {
        name: 'tagId',
        label: 'Tag',
        type: 'clockifyId',
        required: true,
        description: 'The tag to give them.',
      },
    ],
    build: (i) => ({
      description: 'Tags new, untagged time entries of one project.',
      trigger: { sources: ['clockify'], events: ['NEW_TIME_ENTRY'] },
      conditions: {
        mode: 'ALL',
        rules: [
          { path: '$.webhook.projectId', op: '==', value: str(i.projectId) },
          { path: '$.webhook.tagIds[0]', op: 'not_exists' },
          ...completedEntry,
        ],
      },
      actions: [
        {
          id: 'tagEntry',
          type: 'clockify',
          description: 'Clockify replaces the whole entry on update: every field is sent back as it was.',
          operationId: 'updateTimeEntry',
          pathParams: { id: '{{ webhook.id }}' },
          body: { ...keepTimeEntry, tagIds: [str(i.tagId)] },
          retry: RETRY,
        },
      ],
    }),
  },
  {
    id: 'billable-project-entries',
    name: 'Make time entries of a project billable',
    description:
      'When a non-billable time entry is added to the chosen project, mark it billable, keeping everything else (tags included).',
    category: 'time-tracking',
    requirements: [],
    inputs: [
      {
        name: 'projectId',
        label: 'Project',
        type: 'clockifyId',
        required: true,
        description: 'The project whose time is always billable.',
      },
    ],
    build: (i) => ({
      description: 'Marks new time entries of one project billable.',
      trigger: { sources: ['clockify'], events: ['NEW_TIME_ENTRY'] },
      conditions: {
        mode: 'ALL',
        rules: [
          { path: '$.webhook.projectId', op: '==', value: str(i.projectId) },
          { path: '$.webhook.billable', op: '==', value: false },
          ...completedEntry,
        ],
      },
      actions: [
        {
          id: 'markBillable',
          type: 'clockify',
          operationId: 'updateTimeEntry',
          pathParams: { id: '{{ webhook.id }}' },
          body: { ...keepTimeEntry, billable: true, tagIds: '{{ webhook.tagIds | default: [] }}' },
          retry: RETRY,
        },
      ],
    }),
  },
  {
    id: 'stop-long-timers',
    name: 'Stop timers running over N hours',
    description:
      "Stops a user's running timer once it has run for more than N hours (1–12), at the time the event arrives. A timer sends no event while it runs: the flow checks whenever Clockify reports a running entry (started or edited), and on the events of an optional watchdog custom source that posts running time entries (e.g. from a scheduled job reading Clockify's in-progress entries).",
    category: 'time-tracking',
    requirements: [],
    inputs: [
      {
        name: 'maxHours',
        label: 'Hours',
        type: 'integer',
        required: false,
        default: 10,
        min: 1,
        max: 12,
        description: 'A timer that has run longer than this is stopped.',
      },
      {
        name: 'watchdogSourceId',
        label: 'Watchdog source',
        type: 'sourceId',
        required: false,
        description:
          'Optional: a custom source whose events carry a running time entry (Clockify time entry JSON).',
      },
      {
        name: 'watchdogEventType',
        label: 'Watchdog event type',
        type: 'eventType',
        required: false,
        default: 'timer.running',
        description: "The watchdog source's event type.",
      },
    ],
    build: (i) => {
      const hours = Number(i.maxHours);
      const watchdog = typeof i.watchdogSourceId === 'string' ? i.watchdogSourceId : undefined;
      return {
        description: `Stops timers that have run for more than ${hours} hours.`,
        trigger: {
          sources: watchdog === undefined ? ['clockify'] : ['clockify', watchdog],
          events:
            watchdog === undefined
              ? ['NEW_TIMER_STARTED', 'TIME_ENTRY_UPDATED']
              : ['NEW_TIMER_STARTED', 'TIME_ENTRY_UPDATED', str(i.watchdogEventType)],
        },
        conditions: {
          mode: 'ALL',
          rules: [
            { path: '$.webhook.userId', op: 'exists' },
            {
              mode: 'ANY',
              rules: [
                { path: '$.webhook.timeInterval.end', op: 'not_exists' },
                { path: '$.webhook.timeInterval.end', op: '==', value: null },
              ],
            },
            {
              // The event's arrival time written in the zone N hours behind UTC, read back as UTC:
              // the instant N hours before the event arrived (Etc/GMT+N is UTC−N).
              path: '$.webhook.timeInterval.start',
              op: '<',
              value: `{{ event.receivedAt | date: "yyyy-MM-dd'T'HH:mm:ss", 'Etc/GMT+${hours}' }}`,
            },
          ],
        },
        actions: [
          {
            id: 'stopTimer',
            type: 'clockify',
            operationId: 'stopRunningTimeEntry',
            pathParams: { userId: '{{ webhook.userId }}' },
            body: { end: '{{ event.receivedAt }}' },
            retry: RETRY,
          },
        ],
      };
    },
  },
  {
    id: 'custom-issue-to-task',
    name: 'Create a Clockify task when another system reports an issue',
    description:
      'When a custom source (an issue tracker, a monitoring tool, a form) sends an event, create a task in the chosen project named after a field of its body, so time can be tracked against it.',
    category: 'integrations',
    requirements: ['a custom source sending the events'],
    inputs: [
      {
        name: 'sourceId',
        label: 'Custom source',
        type: 'sourceId',
        required: true,
        description: 'The custom source that reports issues.',
      },
      {
        name: 'eventType',
        label: 'Event type',
        type: 'eventType',
        required: false,
        default: 'issue.created',
        description: 'The event type that means "a new issue".',
      },
      {
        name: 'projectId',
        label: 'Project',
        type: 'clockifyId',
        required: true,
        description: 'The project the task is created in.',
      },
      {
        name: 'titleField',
        label: 'Title field',
        type: 'field',
        required: false,
        default: 'title',
        description: "The body field holding the issue's title, e.g. title or issue.summary.",
      },
      {
        name: 'namePrefix',
        label: 'Task name prefix',
        type: 'text',
        required: false,
        default: '',
        maxLength: 100,
        description: 'Text put before the title, e.g. "[Support] ".',
      },
      {
        name: 'assigneeId',
        label: 'Assignee',
        type: 'clockifyId',
        required: false,
        description: 'Optional: the user the task is assigned to.',
      },
    ],
    build: (i) => {
      const field = str(i.titleField);
      const body: Record<string, unknown> = {
        name: `${literalText(str(i.namePrefix))}{{ webhook.${field} | trim }}`,
      };
      if (typeof i.assigneeId === 'string') body.assigneeIds = [i.assigneeId];
      return {
        description: 'Creates a Clockify task for each issue a custom source reports.',
        trigger: { sources: [str(i.sourceId)], events: [str(i.eventType)] },
        conditions: {
          mode: 'ALL',
          rules: [
            { path: `$.webhook.${field}`, op: 'exists' },
            { path: `$.webhook.${field}`, op: '!=', value: '' },
          ],
        },
        actions: [
          {
            id: 'createTask',
            type: 'clockify',
            operationId: 'createTask',
            pathParams: { projectId: str(i.projectId) },
            body,
            retry: RETRY,
          },
        ],
      };
    },
  },
  {
    id: 'forward-new-invoices',
    name: 'Forward new invoices to a URL',
    description:
      'When an invoice is created (and optionally updated), POST its number, client, amounts and dates as JSON to a URL of yours, e.g. an accounting system or a chat webhook.',
    category: 'billing',
    requirements: ['generic HTTP actions allowed in the workspace settings'],
    inputs: [
      {
        name: 'url',
        label: 'URL',
        type: 'url',
        required: true,
        description: 'Where the invoice is sent (POST, JSON).',
      },
      {
        name: 'includeUpdates',
        label: 'Also on updates',
        type: 'boolean',
        required: false,
        default: false,
        description: 'Also send the invoice when it is updated (INVOICE_UPDATED).',
      },
      {
        name: 'includeItems',
        label: 'Include items',
        type: 'boolean',
        required: false,
        default: false,
        description: "Include the invoice's items.",
      },
    ],
    build: (i) => {
      const invoice: Record<string, unknown> = {
        id: '{{ webhook.id }}',
        number: '{{ webhook.number }}',
        status: '{{ webhook.status | default: null }}',
        clientId: '{{ webhook.clientId | default: null }}',
        clientName: '{{ webhook.clientName | default: null }}',
        currency: '{{ webhook.currency }}',
        amount: '{{ webhook.amount }}',
        subtotal: '{{ webhook.subtotal | default: null }}',
        issuedDate: '{{ webhook.issuedDate | default: null }}',
        dueDate: '{{ webhook.dueDate | default: null }}',
      };
      if (i.includeItems === true) invoice.items = '{{ webhook.items | default: [] }}';
      return {
        description: 'Sends new invoices to a URL.',
        trigger: {
          sources: ['clockify'],
          events: i.includeUpdates === true ? ['NEW_INVOICE', 'INVOICE_UPDATED'] : ['NEW_INVOICE'],
        },
        actions: [
          {
            id: 'forward',
            type: 'http',
            method: 'POST',
            url: str(i.url),
            headers: { 'Content-Type': 'application/json', 'X-Clockify-Event': '{{ event.type }}' },
            body: {
              event: '{{ event.type }}',
              workspaceId: '{{ workspace.id }}',
              receivedAt: '{{ event.receivedAt }}',
              invoice,
            },
            retry: RETRY,
            timeoutMs: 10_000,
          },
        ],
      };
    },
  },
  {
    id: 'notify-time-off-requests',
    name: 'Notify on time-off requests',
    description:
      'When someone requests time off (and optionally when a request is approved, rejected or withdrawn), send the request to one of your outbound webhook endpoints: who, which policy, from when to when, status and note.',
    category: 'time-off',
    requirements: ['an outbound webhook endpoint'],
    inputs: [
      {
        name: 'endpointId',
        label: 'Endpoint',
        type: 'endpointId',
        required: true,
        description: 'The outbound endpoint that receives the notifications.',
      },
      {
        name: 'includeDecisions',
        label: 'Also decisions',
        type: 'boolean',
        required: false,
        default: false,
        description: 'Also notify when a request is approved, rejected or withdrawn.',
      },
    ],
    build: (i) => ({
      description: 'Sends time-off requests to an outbound endpoint.',
      trigger: {
        sources: ['clockify'],
        events:
          i.includeDecisions === true
            ? [
                'TIME_OFF_REQUESTED',
                'TIME_OFF_REQUEST_APPROVED',
                'TIME_OFF_REQUEST_REJECTED',
                'TIME_OFF_REQUEST_WITHDRAWN',
              ]
            : ['TIME_OFF_REQUESTED'],
      },
      actions: [
        {
          id: 'notify',
          type: 'webhook',
          endpointId: str(i.endpointId),
          payload: {
            event: '{{ event.type }}',
            workspaceId: '{{ workspace.id }}',
            requestId: '{{ webhook.id }}',
            userId: '{{ webhook.userId }}',
            policyId: '{{ webhook.policyId | default: null }}',
            start: '{{ webhook.timeOffPeriod.period.start | default: null }}',
            end: '{{ webhook.timeOffPeriod.period.end | default: null }}',
            halfDay: '{{ webhook.halfDay | default: false }}',
            timeZone: '{{ webhook.timeZone | default: null }}',
            status: '{{ webhook.status.statusType | default: null }}',
            decidedBy: '{{ webhook.status.changedByUserName | default: null }}',
            note: '{{ webhook.note | default: null }}',
          },
        },
      ],
    }),
  },
  {
    id: 'project-client-in-note',
    name: "Copy a new project's client into its note",
    description:
      "When a project with a client is created, write the client's name into the project's note (its description), after a prefix, keeping any note it already has.",
    category: 'projects',
    requirements: [],
    inputs: [
      {
        name: 'prefix',
        label: 'Prefix',
        type: 'text',
        required: false,
        default: 'Client: ',
        maxLength: 100,
        description: "Text before the client's name.",
      },
      {
        name: 'keepNote',
        label: 'Keep the existing note',
        type: 'boolean',
        required: false,
        default: true,
        description: "Keep the project's existing note below the client line.",
      },
    ],
    build: (i) => {
      const line = `${literalText(str(i.prefix))}{{ webhook.clientName }}`;
      return {
        description: "Writes a new project's client into its note.",
        trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
        conditions: {
          mode: 'ALL',
          rules: [
            { path: '$.webhook.clientName', op: 'exists' },
            { path: '$.webhook.clientName', op: '!=', value: '' },
          ],
        },
        actions: [
          {
            id: 'writeNote',
            type: 'clockify',
            description: 'The project is sent back as it was, with the new note.',
            operationId: 'updateProject',
            pathParams: { projectId: '{{ webhook.id }}' },
            body: {
              name: '{{ webhook.name }}',
              clientId: '{{ webhook.clientId }}',
              billable: '{{ webhook.billable }}',
              isPublic: '{{ webhook.public }}',
              color: '{{ webhook.color }}',
              note: i.keepNote === true ? `${line}\n{{ webhook.note | default: '' }}` : line,
            },
            retry: RETRY,
          },
        ],
      };
    },
  },
];
