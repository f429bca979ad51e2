import { beforeAll, describe, expect, it } from 'vitest';
import { type Catalogue, loadCatalogue } from '../../integrations/clockify/catalogue.js';
import {
  estimateSecondsLeft,
  expandChildren,
  idOf,
  itemsOf,
  paramsKeyOf,
  planBootstrap,
  timeEntryStart,
  type PlanSettings,
} from './bootstrap.plan.js';

const WS = 'ws0000000000000000000001';
const NOW = new Date('2026-03-10T12:34:56.789Z');
const DEFAULTS: PlanSettings = {
  includeHeavy: false,
  includeTimeEntries: true,
  timeEntryDaysBack: 30,
  pageSize: 50,
};

let catalogue: Catalogue;
beforeAll(async () => {
  catalogue = await loadCatalogue();
});

const plan = (settings: Partial<PlanSettings> = {}) =>
  planBootstrap({
    operations: catalogue.operations,
    workspaceId: WS,
    settings: { ...DEFAULTS, ...settings },
    now: NOW,
  });

describe('planBootstrap', () => {
  it('plans the workspace entity lists with the workspace id resolved, and no detail reads', () => {
    const p = plan();
    expect(p.roots.map((o) => o.operationId)).toEqual([
      'findPoliciesForWorkspace',
      'getApprovalRequests',
      'getCategories',
      'getClients',
      'getExpenses',
      'getHolidays',
      'getInvoices',
      'getProjects',
      'getTags',
      'getUserGroups',
      'getUsersOfWorkspace',
      'getWebhooks',
      'getWorkspaceOfUser',
      'ofWorkspace',
    ]);
    for (const op of p.roots) expect(op.pathParams).toEqual({ workspaceId: WS });
    expect(p.roots.find((o) => o.operationId === 'getUsersOfWorkspace')?.query).toEqual({
      'include-roles': 'false',
    });
    const reasons = Object.fromEntries(p.excluded.map((e) => [e.operationId, e.reason]));
    expect(reasons.getProject).toMatch(/one entity/);
    expect(reasons.getTemplates).toBe('deprecated');
    expect(reasons.getAllAssignments).toMatch(/query parameter.*start/);
    expect(reasons.getBalancesForUser).toMatch(/path parameter/);
    expect(reasons.getLoggedUser).toMatch(/not scoped to the workspace/);
  });

  it('expands tasks per project and time entries per user, with start from the days-back setting', () => {
    const p = plan({ timeEntryDaysBack: 10 });
    expect(p.children.map((c) => [c.operationId, c.parentType, c.param])).toEqual([
      ['getTasks', 'project', 'projectId'],
      ['getTimeEntries', 'user', 'userId'],
    ]);
    const te = p.children.find((c) => c.operationId === 'getTimeEntries');
    expect(te?.query).toEqual({ start: '2026-02-28T12:34:56Z' });
    const tasks = expandChildren(p, 'project', ['p1', 'p2']);
    expect(tasks).toEqual([
      {
        operationId: 'getTasks',
        entityType: 'task',
        pathParams: { workspaceId: WS, projectId: 'p1' },
        paramsKey: 'projectId=p1',
        query: {},
      },
      {
        operationId: 'getTasks',
        entityType: 'task',
        pathParams: { workspaceId: WS, projectId: 'p2' },
        paramsKey: 'projectId=p2',
        query: {},
      },
    ]);
    expect(expandChildren(p, 'tag', ['t1'])).toEqual([]);
  });

  it('leaves heavy operations out by default and includes them when asked', () => {
    expect(plan().excluded.find((e) => e.operationId === 'getSharedReportsV1')?.reason).toMatch(/heavy/);
    const heavy = plan({ includeHeavy: true });
    expect(heavy.roots.map((o) => o.operationId)).toEqual(
      expect.arrayContaining(['getSharedReportsV1', 'getInProgressTimeEntries']),
    );
    // Heavy exports and change-log scans still need parameters the bootstrap cannot choose.
    expect(heavy.excluded.map((e) => e.operationId)).toEqual(
      expect.arrayContaining(['getCreatedEntityInfo', 'exportInvoice']),
    );
  });

  it('leaves every time-entry list out when time entries are off', () => {
    const p = plan({ includeTimeEntries: false, includeHeavy: true });
    expect(p.children.map((c) => c.operationId)).toEqual(['getTasks']);
    expect(p.roots.map((o) => o.operationId)).not.toContain('getInProgressTimeEntries');
    expect(p.excluded.find((e) => e.operationId === 'getTimeEntries')?.reason).toMatch(
      /time entries are off/,
    );
  });

  it('drops a child list whose parent list is not planned', () => {
    const ops = catalogue.operations.filter((o) => o.operationId !== 'getUsersOfWorkspace');
    const p = planBootstrap({ operations: ops, workspaceId: WS, settings: DEFAULTS, now: NOW });
    expect(p.excluded.find((e) => e.operationId === 'getTimeEntries')?.reason).toMatch(
      /parent list \(user\)/,
    );
  });

  it('is deterministic: the same input gives the same plan', () => {
    expect(plan()).toEqual(plan());
  });
});

describe('plan helpers', () => {
  it('keys params without the workspace, sorted', () => {
    expect(paramsKeyOf({ workspaceId: 'w', userId: 'u', b: '2' })).toBe('b=2&userId=u');
    expect(paramsKeyOf({ workspaceId: 'w' })).toBe('');
  });
  it('formats the time-entry start to the second', () => {
    expect(timeEntryStart(new Date('2026-01-31T00:00:00.500Z'), 1)).toBe('2026-01-30T00:00:00Z');
  });
  it('finds items in arrays, at a path, in the first array field, or as one entity', () => {
    expect(itemsOf([{ id: 'a' }], {})).toEqual([{ id: 'a' }]);
    expect(
      itemsOf(
        { dailyTotals: [1], expenses: { count: 1, expenses: [{ id: 'e' }] } },
        { itemsPath: 'expenses.expenses' },
      ),
    ).toEqual([{ id: 'e' }]);
    expect(itemsOf({ total: 1, invoices: [{ id: 'i' }] }, {})).toEqual([{ id: 'i' }]);
    expect(itemsOf({ id: 'ws' }, { single: true })).toEqual([{ id: 'ws' }]);
    expect(itemsOf('nope', {})).toEqual([]);
  });
  it('reads ids at a path and ignores items without one', () => {
    expect(idOf({ approvalRequest: { id: 'x' } }, { idPath: 'approvalRequest.id' })).toBe('x');
    expect(idOf({ name: 'no id' }, {})).toBeUndefined();
  });
  it('estimates the time left from open operations, pages per operation and the rate', () => {
    expect(estimateSecondsLeft({ opsTotal: 10, opsDone: 10, pages: 30, ratePerSecond: 25 })).toBe(0);
    expect(estimateSecondsLeft({ opsTotal: 100, opsDone: 50, pages: 100, ratePerSecond: 25 })).toBe(4);
    expect(estimateSecondsLeft({ opsTotal: 12, opsDone: 0, pages: 0, ratePerSecond: 50 })).toBe(1);
  });
});
