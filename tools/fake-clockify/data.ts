/**
 * Deterministic data for the fake Clockify: the same workspace spec always yields the same entities
 * and ids, so tests and benchmarks can assert on exact values. Ids are 24 hex characters, like
 * Clockify's (MongoDB ObjectIds).
 */
import { createHash } from 'node:crypto';

export type Entity = { id: string } & Record<string, unknown>;

export type WorkspaceCounts = {
  users: number;
  clients: number;
  projects: number;
  tasksPerProject: number;
  tags: number;
  timeEntriesPerUser: number;
  userGroups: number;
  customFields: number;
};

export type WorkspaceSpec = {
  /** Defaults to an id derived from `name`. */
  id?: string;
  name?: string;
  /** `X-Addon-Token` values accepted for this workspace. */
  tokens: string[];
  counts?: Partial<WorkspaceCounts>;
};

export type WorkspaceData = {
  id: string;
  tokens: string[];
  workspace: Entity;
  users: Entity[];
  clients: Entity[];
  projects: Entity[];
  /** Tasks by project id. */
  tasks: Map<string, Entity[]>;
  tags: Entity[];
  /** Time entries by user id. */
  timeEntries: Map<string, Entity[]>;
  userGroups: Entity[];
  customFields: Entity[];
  /** Webhooks created through the API (starts empty). */
  webhooks: Entity[];
};

export const DEFAULT_COUNTS: WorkspaceCounts = {
  users: 5,
  clients: 3,
  projects: 8,
  tasksPerProject: 3,
  tags: 4,
  timeEntriesPerUser: 10,
  userGroups: 2,
  customFields: 2,
};

/** A stable 24-hex id for the `index`-th entity of `kind` in `scope`. */
export function fakeId(scope: string, kind: string, index = 0): string {
  return createHash('sha256').update(`${scope}:${kind}:${index}`).digest('hex').slice(0, 24);
}

const COLORS = ['#F44336', '#2196F3', '#4CAF50', '#FF9800', '#9C27B0', '#009688'];
const BASE_TIME = Date.parse('2026-01-05T08:00:00.000Z');
const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;
const range = (n: number) => Array.from({ length: Math.max(0, Math.floor(n)) }, (_, i) => i);

export function generateWorkspace(spec: WorkspaceSpec): WorkspaceData {
  const name = spec.name ?? 'Demo workspace';
  const id = spec.id ?? fakeId('workspace', name);
  const c = { ...DEFAULT_COUNTS, ...spec.counts };
  const gen = (kind: string, i: number) => fakeId(id, kind, i);

  const users = range(c.users).map((i) => ({
    id: gen('user', i),
    name: `User ${i + 1}`,
    email: `user${i + 1}@example.com`,
    status: 'ACTIVE',
    activeWorkspace: id,
    defaultWorkspace: id,
    profilePicture: '',
    settings: { timeZone: 'Europe/Berlin', weekStart: 'MONDAY' },
    memberships: [],
    customFields: [],
  }));
  const clients = range(c.clients).map((i) => ({
    id: gen('client', i),
    name: `Client ${i + 1}`,
    workspaceId: id,
    archived: false,
    address: '',
    email: `client${i + 1}@example.com`,
    note: '',
  }));
  const projects = range(c.projects).map((i) => {
    const client = clients.length > 0 ? pick(clients, i) : undefined;
    return {
      id: gen('project', i),
      name: `Project ${i + 1}`,
      workspaceId: id,
      clientId: client?.id ?? '',
      clientName: client?.name ?? '',
      billable: i % 2 === 0,
      color: pick(COLORS, i),
      archived: false,
      public: true,
      template: false,
      note: '',
      duration: 'PT0S',
      hourlyRate: { amount: 5000 + 500 * i, currency: 'EUR' },
      memberships: users.map((u) => ({
        userId: u.id,
        targetId: gen('project', i),
        membershipType: 'PROJECT',
      })),
    };
  });
  const tasks = new Map(
    projects.map((p, pi) => [
      p.id,
      range(c.tasksPerProject).map((i) => ({
        id: gen(`task-${pi}`, i),
        name: `Task ${i + 1} of ${p.name}`,
        projectId: p.id,
        assigneeIds: users.length > 0 ? [pick(users, i).id] : [],
        estimate: 'PT0S',
        status: 'ACTIVE',
        billable: p.billable,
        duration: 'PT0S',
      })),
    ]),
  );
  const tags = range(c.tags).map((i) => ({
    id: gen('tag', i),
    name: `Tag ${i + 1}`,
    workspaceId: id,
    archived: false,
  }));
  const timeEntries = new Map(
    users.map((u, ui) => [
      u.id,
      range(c.timeEntriesPerUser).map((i) => {
        const project = projects.length > 0 ? pick(projects, ui + i) : undefined;
        const task =
          project === undefined ? undefined : tasks.get(project.id)?.[i % Math.max(1, c.tasksPerProject)];
        const start = BASE_TIME + i * 86_400_000 + ui * 600_000;
        const minutes = 30 + ((ui * 7 + i * 13) % 8) * 15;
        return {
          id: gen(`time-entry-${ui}`, i),
          description: `Work item ${i + 1}`,
          userId: u.id,
          workspaceId: id,
          projectId: project?.id ?? null,
          taskId: task?.id ?? null,
          tagIds: tags.length > 0 ? [pick(tags, i).id] : [],
          billable: project?.billable ?? false,
          isLocked: false,
          type: 'REGULAR',
          customFieldValues: [],
          timeInterval: {
            start: new Date(start).toISOString(),
            end: new Date(start + minutes * 60_000).toISOString(),
            duration: `PT${Math.floor(minutes / 60)}H${minutes % 60}M`,
          },
        };
      }),
    ]),
  );
  const userGroups = range(c.userGroups).map((i) => ({
    id: gen('user-group', i),
    name: `Group ${i + 1}`,
    workspaceId: id,
    userIds: users.filter((_, ui) => ui % Math.max(1, c.userGroups) === i).map((u) => u.id),
  }));
  const customFields = range(c.customFields).map((i) => ({
    id: gen('custom-field', i),
    name: `Field ${i + 1}`,
    workspaceId: id,
    type: 'TXT',
    status: 'VISIBLE',
    required: false,
    allowedValues: [],
  }));
  const workspace = {
    id,
    name,
    hourlyRate: { amount: 0, currency: 'EUR' },
    memberships: users.map((u) => ({
      userId: u.id,
      targetId: id,
      membershipType: 'WORKSPACE',
      membershipStatus: 'ACTIVE',
    })),
    workspaceSettings: { timeRoundingInReports: false, onlyAdminsSeeBillableRates: true },
    imageUrl: '',
    featureSubscriptionType: 'PRO',
  };
  return {
    id,
    tokens: [...spec.tokens],
    workspace,
    users,
    clients,
    projects,
    tasks,
    tags,
    timeEntries,
    userGroups,
    customFields,
    webhooks: [],
  };
}
