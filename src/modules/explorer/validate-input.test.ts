import { beforeAll, describe, expect, it } from 'vitest';
import { type Catalogue, loadCatalogue } from '../../integrations/clockify/catalogue.js';
import { exampleRequest } from './example-request.js';
import type { ExplorerInput } from './explorer.types.js';
import { makeOperation } from './explorer.test-support.js';
import {
  type InputValidator,
  type ValidationResult,
  createInputValidator,
  formatIssue,
  pathSegmentProblem,
} from './validate-input.js';

const CTX = { workspaceId: 'ws1', addonUserId: 'u1' };
let validInvoiceUpdate: Record<string, unknown>;

let catalogue: Catalogue;
let validator: InputValidator;
beforeAll(async () => {
  catalogue = await loadCatalogue();
  validator = createInputValidator();
  validInvoiceUpdate = exampleRequest(catalogue.get('updateInvoice')!, CTX, { now: new Date() })
    .body as Record<string, unknown>;
});

const check = (operationId: string, input: ExplorerInput) =>
  validator.validate(catalogue.get(operationId)!, input, CTX);

/** The issues as `location.name: message` lines; [] when valid. */
const issuesOf = (r: ValidationResult) => (r.ok ? [] : r.issues.map(formatIssue));

describe('validateInput: path parameters', () => {
  it('fills the workspace from the installation', () => {
    expect(check('getProject', { pathParams: { projectId: 'p1' } })).toEqual({
      ok: true,
      value: { pathParams: { workspaceId: 'ws1', projectId: 'p1' }, query: {} },
    });
  });

  it("refuses another workspace's id", () => {
    expect(issuesOf(check('getProject', { pathParams: { workspaceId: 'ws2', projectId: 'p1' } }))).toEqual([
      "pathParams.workspaceId: must be this installation's workspace",
    ]);
  });

  it('accepts the installation’s own workspace id when given', () => {
    expect(check('getProject', { pathParams: { workspaceId: 'ws1', projectId: 'p1' } }).ok).toBe(true);
  });

  it('ignores the own workspace on an operation without one in its path, refuses a foreign one', () => {
    expect(check('getLoggedUser', { pathParams: { workspaceId: 'ws1' } })).toEqual({
      ok: true,
      value: { pathParams: {}, query: {} },
    });
    expect(issuesOf(check('getLoggedUser', { pathParams: { workspaceId: 'ws2' } }))).toEqual([
      "pathParams.workspaceId: must be this installation's workspace",
    ]);
  });

  it('reports a missing path parameter once', () => {
    expect(issuesOf(check('getProject', {}))).toEqual(['pathParams.projectId: required']);
  });

  it('refuses unknown path parameters and values that are not strings', () => {
    expect(issuesOf(check('getProject', { pathParams: { projectId: { a: 1 }, extra: 'x' } }))).toEqual([
      'pathParams.extra: unknown parameter',
      'pathParams.projectId: must be a string',
    ]);
  });

  it('accepts a number for a path parameter and checks it against the schema', () => {
    const ok = check('removeInvoiceItem', { pathParams: { invoiceId: 'i1', order: 3 } });
    expect(ok.ok && ok.value.pathParams.order).toBe('3');
    expect(issuesOf(check('removeInvoiceItem', { pathParams: { invoiceId: 'i1', order: '0' } }))).toEqual([
      'pathParams.order: must be >= 1',
    ]);
  });

  it.each([
    ['', 'must not be empty'],
    ['..', "must not contain '..' or be '.'"],
    ['.', "must not contain '..' or be '.'"],
    ['../projects', "must not contain '..' or be '.'"],
    ['a/b', "must not contain '/'"],
    ['a\\b', "must not contain '\\'"],
    ['a?b=1', "must not contain '?'"],
    ['a#frag', "must not contain '#'"],
    ['a%2Fb', 'must not contain percent-encoded characters'],
    ['%2e%2e', 'must not contain percent-encoded characters'],
    ['a\u0000b', 'must not contain control characters'],
    ['a\nb', 'must not contain control characters'],
    ['a\u0085b', 'must not contain control characters'],
    ['a b', 'must not contain whitespace'],
    ['x'.repeat(201), 'must be at most 200 characters'],
  ])('refuses the path value %j', (value, message) => {
    expect(pathSegmentProblem(value)).toBe(message);
    expect(issuesOf(check('getProject', { pathParams: { projectId: value } }))).toEqual([
      `pathParams.projectId: ${message}`,
    ]);
  });

  it.each(['5b641568b07987035750505e', 'a-b_c.d', 'ünïcode', '100%'])(
    'accepts the path value %j',
    (value) => {
      expect(pathSegmentProblem(value)).toBeUndefined();
    },
  );
});

describe('validateInput: query', () => {
  it('coerces URL strings to the declared types', () => {
    const r = check('getProjects', {
      query: { page: '2', 'page-size': '20', hydrated: 'true', clients: 'c1', name: 7 },
    });
    expect(r).toEqual({
      ok: true,
      value: {
        pathParams: { workspaceId: 'ws1' },
        query: { page: 2, 'page-size': 20, hydrated: true, clients: ['c1'], name: '7' },
      },
    });
  });

  it('reports every bad field with its location, in one go', () => {
    expect(
      issuesOf(
        check('getProjects', {
          query: { page: 'two', 'page-size': 0, archived: 'yes', 'sort-order': 'UP', bogus: '1' },
        }),
      ),
    ).toEqual([
      // Unknown names first, then the spec's parameter order.
      'query.bogus: unknown parameter',
      'query.archived: must be boolean',
      'query.sort-order: must be one of: ASCENDING, DESCENDING',
      'query.page: must be integer',
      'query.page-size: must be >= 1',
    ]);
  });

  it('checks maximums the spec declares', () => {
    expect(issuesOf(check('getInProgressTimeEntries', { query: { 'page-size': 5000 } }))).toEqual([
      'query.page-size: must be <= 1000',
    ]);
  });

  it('requires required query parameters', () => {
    expect(issuesOf(check('getCreatedEntityInfo', {}))).toEqual(['query.type: required']);
    expect(check('getCreatedEntityInfo', { query: { type: ['TIME_ENTRY', 'PROJECTS'] } }).ok).toBe(true);
  });

  it('ignores null and undefined values, refuses objects', () => {
    expect(check('getProjects', { query: { name: null, page: undefined } }).ok).toBe(true);
    expect(issuesOf(check('getProjects', { query: { name: { $ne: '' } } }))).toEqual([
      'query.name: must be a string, number, boolean or a list of them',
    ]);
  });

  it('refuses a query that is not an object', () => {
    expect(issuesOf(check('getProjects', { query: 'page=2' as never }))).toEqual([
      'query: must be an object',
    ]);
  });

  it('does not modify the caller’s input while coercing', () => {
    const input = { query: { page: '2', clients: 'c1' } };
    check('getProjects', input);
    expect(input).toEqual({ query: { page: '2', clients: 'c1' } });
  });
});

describe('validateInput: body', () => {
  it('reports missing required fields and wrong types by location', () => {
    expect(issuesOf(check('createNewProject', { body: { name: 'P' } }))).toEqual([
      'body.name: must NOT have fewer than 2 characters',
    ]);
    expect(
      issuesOf(
        check('createNewProject', { body: { color: 'red', estimate: { estimate: 5 }, billable: 'yes' } }),
      ),
    ).toEqual([
      'body.name: required',
      'body.billable: must be boolean',
      'body.color: must match pattern "^#(?:[0-9a-fA-F]{6}){1}$"',
      'body.estimate.estimate: must be string',
    ]);
  });

  it('addresses array items by index', () => {
    expect(
      issuesOf(check('replaceMany', { pathParams: { userId: 'u1' }, body: [{ id: 'x' }, { id: 5 }] })),
    ).toEqual(expect.arrayContaining(['body[1].id: must be string']));
  });

  it('checks formats (an instant needs a time zone)', () => {
    expect(issuesOf(check('createTimeEntry', { body: { start: '2020-01-01T00:00:00' } }))).toEqual([
      'body.start: must match format "date-time"',
    ]);
    expect(check('createTimeEntry', { body: { start: '2020-01-01T00:00:00Z' } }).ok).toBe(true);
  });

  it('requires a required body and refuses a body where the operation takes none', () => {
    expect(issuesOf(check('createNewProject', {}))).toEqual(['body: required']);
    expect(issuesOf(check('getProjects', { body: {} }))).toEqual([
      'body: this operation takes no request body',
    ]);
    expect(check('generateDetailedReport', {}).ok).toBe(true);
  });

  it('passes the body through unchanged when valid', () => {
    const body = { name: 'Project', extra: 'kept though unknown' };
    const r = check('createNewProject', { body });
    expect(r.ok && r.value.body).toEqual(body);
  });

  it('quotes keys that are not plain names', () => {
    const op = makeOperation({
      method: 'POST',
      requestBody: {
        required: true,
        contentType: 'application/json',
        schema: {
          type: 'object',
          required: ['odd key'],
          properties: { nested: { type: 'object', required: ['a.b'] } },
        },
      },
    });
    const r = createInputValidator().validate(
      op,
      { pathParams: { thingId: 't' }, body: { nested: {} } },
      CTX,
    );
    expect(issuesOf(r)).toEqual(['body["odd key"]: required', 'body.nested["a.b"]: required']);
  });

  it('caps the number of issues', () => {
    const small = createInputValidator({ maxIssues: 2 });
    const body = Array.from({ length: 5 }, () => ({ id: 1 }));
    const r = small.validate(catalogue.get('replaceMany')!, { pathParams: { userId: 'u' }, body }, CTX);
    expect(issuesOf(r)).toEqual([
      'body[0].id: must be string',
      'body[1].id: must be string',
      'input: 3 more issue(s) not shown',
    ]);
  });
});

describe('validateInput: Clockify spec quirks', () => {
  it('accepts any JSON value where the spec says a bare object (custom field values)', () => {
    for (const value of ['new value', 2000, true, ['a', 'b'], { any: 1 }]) {
      expect(check('createTimeEntry', { body: { customFields: [{ customFieldId: 'cf', value }] } }).ok).toBe(
        true,
      );
    }
  });

  it('checks an enum rendered as an object by its values', () => {
    const update = (taxType: unknown) =>
      issuesOf(
        check('updateInvoice', { pathParams: { invoiceId: 'i1' }, body: { ...validInvoiceUpdate, taxType } }),
      );
    expect(update('SIMPLE')).toEqual([]);
    expect(update('BOGUS')).toEqual(['body.taxType: must be one of: COMPOUND, SIMPLE, NONE']);
  });

  it('takes ObjectIds as strings', () => {
    const body = { invoiced: true, timeEntryIds: ['54m377ddd3fcab07cfbb432w'] };
    expect(check('updateInvoicedStatus', { body })).toMatchObject({ ok: true });
    expect(issuesOf(check('updateInvoicedStatus', { body: { ...body, timeEntryIds: [{}] } }))).toEqual([
      'body.timeEntryIds[0]: must be string',
    ]);
  });
});

describe('validateInput: OpenAPI 3.0 schema quirks', () => {
  const op = makeOperation({
    method: 'POST',
    path: '/v1/workspaces/{workspaceId}/quirks',
    parameters: [
      { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'page', in: 'query', required: false, schema: { type: 'string', maximum: 1000 } },
    ],
    requestBody: {
      required: true,
      contentType: 'application/json',
      schema: {
        type: 'object',
        required: ['id', 'note'],
        properties: {
          id: { type: 'string', readOnly: true, example: 'abc' },
          note: { type: 'string', nullable: true, example: 'n', 'x-extra': 1 },
          either: { type: ['string', 'integer'] },
          when: { type: 'string', format: 'date' },
          count: { type: 'integer', format: 'int32' },
          amount: { type: 'number', format: 'double', minimum: 0, exclusiveMinimum: true },
          file: { type: 'string', format: 'binary' },
          weird: { type: 'string', format: 'not-a-format' },
          child: { $ref: '#/components/schemas/Circular' },
          kind: { oneOf: [{ type: 'string' }, { type: 'string', enum: ['A'] }] },
        },
      },
    },
  });
  const run = (body: unknown) => createInputValidator().validate(op, { body }, CTX);

  it('accepts null where nullable, ignores example keywords, honours type arrays and odd formats', () => {
    expect(
      run({ note: null, either: 3, count: 7, file: 'bytes', weird: '?', child: { anything: [1] }, kind: 'A' })
        .ok,
    ).toBe(true);
  });

  it('does not require readOnly properties in a request', () => {
    expect(issuesOf(run({ note: 'x' }))).toEqual([]);
  });

  it('checks int32, date and the exclusive minimum', () => {
    expect(issuesOf(run({ note: 'x', count: 2 ** 31, when: '2024-02-30', amount: 0 }))).toEqual([
      'body.when: must match format "date"',
      'body.count: must match format "int32"',
      'body.amount: must be > 0',
    ]);
  });

  it('does not crash on a maximum placed on a string', () => {
    expect(createInputValidator().validate(op, { query: { page: '3' }, body: { note: 'x' } }, CTX).ok).toBe(
      true,
    );
  });
});

describe('createInputValidator', () => {
  it('compiles lazily, once per operation', () => {
    const v = createInputValidator();
    expect(v.compiledCount()).toBe(0);
    v.validate(catalogue.get('getProjects')!, {}, CTX);
    v.validate(catalogue.get('getProjects')!, { query: { page: 1 } }, CTX);
    expect(v.compiledCount()).toBe(1);
    v.validate(catalogue.get('getClients')!, {}, CTX);
    expect(v.compiledCount()).toBe(2);
  });

  it('refuses an input that is not an object', () => {
    expect(issuesOf(validator.validate(catalogue.get('getProjects')!, null as never, CTX))).toEqual([
      'input: must be an object',
    ]);
  });
});
