import { beforeAll, describe, expect, it } from 'vitest';
import { type Catalogue, loadCatalogue } from '../../integrations/clockify/catalogue.js';
import { SCOPES } from '../manifest/build-manifest.js';
import { makeOperation } from './explorer.test-support.js';
import { READ_ONLY_POSTS, SCOPE_RULES, isWriteOperation, scopeOf } from './operation-scope.js';

let catalogue: Catalogue;
beforeAll(async () => {
  catalogue = await loadCatalogue();
});

/**
 * A second opinion, independent of the path rules: which resources each spec tag may plausibly map to.
 * A tag missing here fails the test, so a new spec's tags get looked at.
 */
const TAG_RESOURCES: Record<string, string[]> = {
  User: ['USER'],
  Workspace: ['WORKSPACE', 'USER'],
  'Workspace (Deprecated)': ['USER'],
  Webhooks: ['WORKSPACE'],
  Approval: ['APPROVAL'],
  Client: ['CLIENT'],
  'Custom fields': ['CUSTOM_FIELDS'],
  'Entity changes (Experimental)': ['WORKSPACE'],
  Expense: ['EXPENSE'],
  Holiday: ['TIME_OFF'],
  Invoice: ['INVOICE'],
  Project: ['PROJECT'],
  Task: ['TASK'],
  Scheduling: ['SCHEDULING'],
  'Scheduling (Deprecated)': ['SCHEDULING'],
  Tag: ['TAG'],
  'Template (Deprecated)': ['TIME_ENTRY'],
  'Time entry': ['TIME_ENTRY'],
  Balance: ['TIME_OFF'],
  Policy: ['TIME_OFF'],
  'Time Off': ['TIME_OFF'],
  Group: ['GROUP'],
  'Shared Report': ['REPORTS'],
  'Team Report': ['REPORTS'],
  'Time Entry Report': ['REPORTS'],
  'Expense Report': ['REPORTS'],
  'Audit Log Report': ['REPORTS'],
};

describe('scopeOf', () => {
  it('gives every operation of the catalogue one of the 30 manifest scopes', () => {
    expect(catalogue.operations).toHaveLength(166);
    for (const op of catalogue.operations) {
      expect(SCOPES, op.operationId).toContain(scopeOf(op).scope);
    }
  });

  it('matches every operation with a rule (none falls back)', () => {
    const unmatched = catalogue.operations.filter((op) => scopeOf(op).rule === 'fallback');
    expect(unmatched.map((op) => `${op.method} ${op.path}`)).toEqual([]);
  });

  it('agrees with the spec tags on the resource of every operation', () => {
    for (const op of catalogue.operations) {
      const tag = op.tags[0]!;
      expect(Object.keys(TAG_RESOURCES), `tag ${tag}`).toContain(tag);
      const resource = scopeOf(op).scope.replace(/_(READ|WRITE)$/, '');
      expect(TAG_RESOURCES[tag], `${op.operationId} (${tag})`).toContain(resource);
    }
  });

  it('uses every rule of the table at least once', () => {
    const used = new Set(catalogue.operations.map((op) => scopeOf(op).rule));
    expect(SCOPE_RULES.map((r) => r.id).filter((id) => !used.has(id))).toEqual([]);
  });

  it.each([
    ['getProjects', 'PROJECT_READ'],
    ['createNewProject', 'PROJECT_WRITE'],
    ['deleteProject', 'PROJECT_WRITE'],
    ['addUsersCostRate', 'PROJECT_WRITE'],
    ['getTasks', 'TASK_READ'],
    ['setTaskHourlyRate', 'TASK_WRITE'],
    ['getCustomFieldsOfProject', 'CUSTOM_FIELDS_READ'],
    ['editProjectCustomFieldDefaultValue', 'CUSTOM_FIELDS_WRITE'],
    ['upsertUserCustomFieldValue', 'USER_WRITE'],
    ['getTimeEntries', 'TIME_ENTRY_READ'],
    ['deleteMany', 'TIME_ENTRY_WRITE'],
    ['updateInvoicedStatus', 'TIME_ENTRY_WRITE'],
    ['getTemplates', 'TIME_ENTRY_READ'],
    ['getClients', 'CLIENT_READ'],
    ['getTags', 'TAG_READ'],
    ['getUserGroups', 'GROUP_READ'],
    ['deleteUser', 'GROUP_WRITE'],
    ['getLoggedUser', 'USER_READ'],
    ['uploadImage', 'USER_WRITE'],
    ['filterUsersOfWorkspace', 'USER_READ'],
    ['updateUserStatus', 'USER_WRITE'],
    ['getMemberProfile', 'USER_READ'],
    ['getWorkspaceOfUser', 'WORKSPACE_READ'],
    ['createWorkspace', 'WORKSPACE_WRITE'],
    ['setWorkspaceHourlyRate', 'WORKSPACE_WRITE'],
    ['getWebhooks', 'WORKSPACE_READ'],
    ['generateNewToken', 'WORKSPACE_WRITE'],
    ['getLogsForWebhook', 'WORKSPACE_READ'],
    ['getCreatedEntityInfo', 'WORKSPACE_READ'],
    ['getExpenses', 'EXPENSE_READ'],
    ['downloadFile', 'EXPENSE_READ'],
    ['getInvoicesInfo', 'INVOICE_READ'],
    ['createInvoicePayment', 'INVOICE_WRITE'],
    ['getApprovalRequests', 'APPROVAL_READ'],
    ['updateApprovalStatus', 'APPROVAL_WRITE'],
    ['getAllAssignments', 'SCHEDULING_READ'],
    ['getUserTotals', 'SCHEDULING_READ'],
    ['publishAssignments', 'SCHEDULING_WRITE'],
    ['getHolidays', 'TIME_OFF_READ'],
    ['getTimeOffRequest', 'TIME_OFF_READ'],
    ['createTimeOffRequest', 'TIME_OFF_WRITE'],
    ['getBalancesForUser', 'TIME_OFF_READ'],
    ['generateDetailedReport', 'REPORTS_READ'],
    ['generateSharedReportV1', 'REPORTS_READ'],
    ['saveSharedReportV1', 'REPORTS_WRITE'],
    ['getAuditLogs', 'REPORTS_READ'],
  ])('%s needs %s', (operationId, scope) => {
    expect(scopeOf(catalogue.get(operationId)!).scope).toBe(scope);
  });

  it('falls back to the workspace scope for a path no rule knows', () => {
    const op = makeOperation({ path: '/v1/workspaces/{workspaceId}/gizmos', method: 'POST' });
    expect(scopeOf(op)).toEqual({ scope: 'WORKSPACE_WRITE', rule: 'fallback' });
  });
});

describe('isWriteOperation', () => {
  it('counts every GET as a read and every other method as a write, except the listed read-only POSTs', () => {
    for (const op of catalogue.operations) {
      const expected = op.method !== 'GET' && !READ_ONLY_POSTS.has(op.operationId);
      expect(isWriteOperation(op), op.operationId).toBe(expected);
      expect(scopeOf(op).scope.endsWith(expected ? '_WRITE' : '_READ'), op.operationId).toBe(true);
    }
  });

  it('lists only POST operations of the catalogue as read-only', () => {
    for (const id of READ_ONLY_POSTS) expect(catalogue.get(id)?.method, id).toBe('POST');
  });

  it('treats an unlisted POST as a write, even one named like a search', () => {
    expect(isWriteOperation(makeOperation({ operationId: 'searchGizmos', method: 'POST' }))).toBe(true);
  });

  it('finds 116 operations that change data', () => {
    expect(catalogue.operations.filter(isWriteOperation)).toHaveLength(166 - 50 - READ_ONLY_POSTS.size);
    expect(READ_ONLY_POSTS.size).toBe(12);
  });
});
