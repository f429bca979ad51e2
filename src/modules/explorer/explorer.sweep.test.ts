/**
 * Every operation of the catalogue, end to end through the explorer's pure pieces: the generated
 * example passes the operation's own validator, builds a URL with every `{param}` filled, and turns
 * into snippets and a flow action.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Catalogue, loadCatalogue } from '../../integrations/clockify/catalogue.js';
import { prepareRequest, requestEcho } from './build-request.js';
import { describeOperation } from './describe-operation.js';
import { asFlowAction } from './flow-action.js';
import { SNIPPET_LANGUAGES, snippet } from './snippets.js';
import { createInputValidator, formatIssue } from './validate-input.js';
import { confirmPhrase } from './write-safety.js';

const NOW = new Date('2026-05-07T10:11:12.345Z');
const CTX = { workspaceId: '64a687e29ae1f428e7ebe303', addonUserId: '5a0ab5acb07987125438b60f' };
const URLS = { apiUrl: 'https://api.clockify.me/api' };

let catalogue: Catalogue;
beforeAll(async () => {
  catalogue = await loadCatalogue();
});

describe('explorer sweep over every catalogue operation', () => {
  it('validates the generated example of every operation without an issue', () => {
    const validator = createInputValidator();
    const failures: string[] = [];
    for (const op of catalogue.operations) {
      const { example } = describeOperation(op, CTX, { now: NOW });
      const result = validator.validate(op, example, CTX);
      if (!result.ok) failures.push(`${op.operationId}: ${result.issues.map(formatIssue).join('; ')}`);
      else expect(result.value.pathParams, op.operationId).toEqual(example.pathParams);
    }
    expect(failures).toEqual([]);
    expect(validator.compiledCount()).toBe(166);
  });

  it('builds a URL with every path parameter filled for every GET (and every other operation)', () => {
    const gets = catalogue.operations.filter((op) => op.method === 'GET');
    expect(gets).toHaveLength(50);
    for (const op of catalogue.operations) {
      const { example } = describeOperation(op, CTX, { now: NOW });
      const prepared = prepareRequest(op, example, URLS);
      if (!prepared.ok) throw new Error(`${op.operationId}: ${prepared.message}`);
      const { url } = prepared.request;
      expect(url, op.operationId).not.toMatch(/[{}]|%7B|%7D/i);
      expect(new URL(url).pathname, op.operationId).not.toContain('//');
      if (op.pathParams.includes('workspaceId')) expect(url, op.operationId).toContain(`/${CTX.workspaceId}`);
      expect(confirmPhrase(op, example.pathParams), op.operationId).not.toContain('{');
    }
  });

  it('turns every example into snippets, an echo and a flow action', () => {
    for (const op of catalogue.operations) {
      const { example } = describeOperation(op, CTX, { now: NOW });
      const prepared = prepareRequest(op, example, URLS);
      if (!prepared.ok) throw new Error(prepared.message);
      for (const lang of SNIPPET_LANGUAGES) {
        const code = snippet(prepared.request, lang);
        expect(code, `${op.operationId} ${lang}`).toContain('CLOCKIFY_ADDON_TOKEN');
        expect(code, `${op.operationId} ${lang}`).toContain(op.method);
      }
      expect(requestEcho(prepared.request).headers['x-addon-token']).toBe('[redacted]');
      const action = asFlowAction({ operationId: op.operationId, ...example });
      expect(action.pathParams, op.operationId).not.toHaveProperty('workspaceId');
      expect(action.operationId).toBe(op.operationId);
    }
  });
});
