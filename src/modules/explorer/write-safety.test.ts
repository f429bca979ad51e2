import { describe, expect, it } from 'vitest';
import { makeOperation } from './explorer.test-support.js';
import { ALLOW_WRITES_SETTING, checkWrite, confirmPhrase, fillPath } from './write-safety.js';

const deleteProject = makeOperation({
  operationId: 'deleteProject',
  method: 'DELETE',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}',
});
const getProject = makeOperation({ ...deleteProject, method: 'GET', safe: true, operationId: 'getProject' });
const report = makeOperation({
  operationId: 'generateDetailedReport',
  method: 'POST',
  path: '/v1/workspaces/{workspaceId}/reports/detailed',
});
const params = { workspaceId: 'abc', projectId: 'p1' };
const PHRASE = 'DELETE /v1/workspaces/abc/projects/p1';

const write = (overrides: Partial<Parameters<typeof checkWrite>[0]> = {}) =>
  checkWrite({
    op: deleteProject,
    allowWrites: true,
    canWrite: true,
    confirm: PHRASE,
    pathParams: params,
    ...overrides,
  });

describe('confirmPhrase', () => {
  it('is the method and the path with the values filled in', () => {
    expect(confirmPhrase(deleteProject, params)).toBe(PHRASE);
  });

  it('leaves a missing value as its {name}', () => {
    expect(fillPath('/v1/workspaces/{workspaceId}/projects/{projectId}', { workspaceId: 'abc' })).toBe(
      '/v1/workspaces/abc/projects/{projectId}',
    );
  });
});

describe('checkWrite', () => {
  it('lets a confirmed write through when the setting is on and the credential may write', () => {
    expect(write()).toEqual({ ok: true, write: true });
  });

  it('accepts the phrase with surrounding whitespace', () => {
    expect(write({ confirm: `  ${PHRASE}\n` })).toEqual({ ok: true, write: true });
  });

  it('never gates reads, nor POST searches and reports', () => {
    for (const op of [getProject, report]) {
      expect(checkWrite({ op, allowWrites: false, canWrite: false, pathParams: params })).toEqual({
        ok: true,
        write: false,
      });
    }
  });

  it('refuses with 403 naming the setting when writes are off', () => {
    expect(write({ allowWrites: false })).toEqual({
      ok: false,
      reason: 'writes-disabled',
      status: 403,
      setting: ALLOW_WRITES_SETTING,
      message: `Calls that change Clockify data are turned off for this workspace (setting "explorer_allow_writes")`,
    });
  });

  it('refuses a read-only credential with 403', () => {
    expect(write({ canWrite: false })).toMatchObject({
      ok: false,
      reason: 'read-only-credential',
      status: 403,
    });
  });

  it('checks the setting before the credential, and both before the confirmation', () => {
    expect(write({ allowWrites: false, canWrite: false, confirm: null })).toMatchObject({
      reason: 'writes-disabled',
    });
    expect(write({ canWrite: false, confirm: null })).toMatchObject({ reason: 'read-only-credential' });
  });

  it('asks for the confirmation with 422 and the expected phrase', () => {
    for (const confirm of [undefined, null, '', '   ']) {
      expect(write({ confirm })).toEqual({
        ok: false,
        reason: 'confirmation-required',
        status: 422,
        expectedConfirm: PHRASE,
        message: `deleteProject changes Clockify data: confirm with "${PHRASE}"`,
      });
    }
  });

  it.each([
    ['another entity', 'DELETE /v1/workspaces/abc/projects/p2'],
    ['another method', 'GET /v1/workspaces/abc/projects/p1'],
    ['a different case', 'delete /v1/workspaces/abc/projects/p1'],
    ['the template', 'DELETE /v1/workspaces/{workspaceId}/projects/{projectId}'],
    ['a prefix', 'DELETE /v1/workspaces/abc/projects/'],
    ['yes', 'yes'],
  ])('refuses a phrase for %s with 422', (_, confirm) => {
    expect(write({ confirm })).toMatchObject({
      ok: false,
      reason: 'confirmation-mismatch',
      status: 422,
      expectedConfirm: PHRASE,
    });
  });

  it('gates every non-GET write, not only DELETE', () => {
    for (const method of ['POST', 'PUT', 'PATCH'] as const) {
      const op = makeOperation({ ...deleteProject, method, safe: false });
      expect(checkWrite({ op, allowWrites: true, canWrite: true, pathParams: params })).toMatchObject({
        reason: 'confirmation-required',
        expectedConfirm: `${method} /v1/workspaces/abc/projects/p1`,
      });
    }
  });
});
