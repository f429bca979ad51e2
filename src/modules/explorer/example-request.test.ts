import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../integrations/clockify/catalogue.js';
import { exampleRequest, fitsSchema, isoInstant } from './example-request.js';
import { makeOperation } from './explorer.test-support.js';

const NOW = new Date('2026-05-07T10:11:12.345Z');
const CTX = { workspaceId: 'ws-installation', addonUserId: 'addon-user' };

/** The example body for a body schema. */
const bodyFor = (schema: JsonSchema, options: { maxDepth?: number; maxValues?: number } = {}) =>
  exampleRequest(
    makeOperation({
      method: 'POST',
      requestBody: { required: true, contentType: 'application/json', schema },
    }),
    CTX,
    { now: NOW, ...options },
  ).body;

const obj = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  required,
  properties,
});

describe('exampleRequest values', () => {
  it('prefers the example, then the default, then the first enum value', () => {
    expect(
      bodyFor(
        obj({
          a: { type: 'string', example: 'ex', default: 'def', enum: ['ex', 'def'] },
          b: { type: 'string', default: 'def', enum: ['first', 'def'] },
          c: { type: 'string', enum: ['first', 'second'] },
        }),
      ),
    ).toEqual({ a: 'ex', b: 'def', c: 'first' });
  });

  it('skips an example that does not fit its schema', () => {
    expect(
      bodyFor(
        obj({
          wrongType: {
            type: 'array',
            example: 'TIME_ENTRY',
            items: { type: 'string', example: 'TIME_ENTRY' },
          },
          notInEnum: { type: 'string', example: '["A","B"]', enum: ['A', 'B'] },
          tooShort: { type: 'string', example: '', minLength: 1 },
          badDate: { type: 'string', format: 'date-time', example: '2020-01-01T00:00:00' },
          outOfRange: { type: 'integer', example: 0, minimum: 1 },
        }),
      ),
    ).toEqual({
      wrongType: ['TIME_ENTRY'],
      notInEnum: 'A',
      tooShort: 'string',
      badDate: '2026-05-07T10:11:12Z',
      outOfRange: 1,
    });
  });

  it('fills placeholders by format and type', () => {
    expect(
      bodyFor(
        obj({
          at: { type: 'string', format: 'date-time' },
          day: { type: 'string', format: 'date' },
          mail: { type: 'string', format: 'email' },
          link: { type: 'string', format: 'uri' },
          id: { type: 'string', format: 'uuid' },
          text: { type: 'string' },
          long: { type: 'string', minLength: 10 },
          short: { type: 'string', maxLength: 3 },
          colour: { type: 'string', pattern: '^#(?:[0-9a-fA-F]{6}){1}$' },
          count: { type: 'integer' },
          bounded: { type: 'integer', minimum: 5, maximum: 9 },
          ceiling: { type: 'integer', maximum: 0 },
          ratio: { type: 'number', minimum: 0, exclusiveMinimum: 0 },
          flag: { type: 'boolean' },
        }),
      ),
    ).toEqual({
      at: '2026-05-07T10:11:12Z',
      day: '2026-05-07',
      mail: 'user@example.com',
      link: 'https://example.com',
      id: '00000000-0000-4000-8000-000000000000',
      text: 'string',
      long: 'stringxxxx',
      short: 'str',
      colour: '#03A9F4',
      count: 1,
      bounded: 5,
      ceiling: 0,
      ratio: 1,
      flag: false,
    });
  });

  it('fills only required properties, recursively, and leaves readOnly ones out', () => {
    expect(
      bodyFor(
        obj(
          {
            name: { type: 'string', example: 'n' },
            optional: { type: 'string', example: 'o' },
            id: { type: 'string', readOnly: true },
            nested: obj({ inner: { type: 'integer', example: 3 }, skip: { type: 'string' } }, ['inner']),
          },
          ['name', 'nested', 'id'],
        ),
      ),
    ).toEqual({ name: 'n', nested: { inner: 3 } });
  });

  it('makes one-item arrays, or minItems distinct items when unique items are required', () => {
    expect(
      bodyFor(
        obj({
          one: { type: 'array', items: obj({ id: { type: 'string', example: 'x' } }) },
          two: { type: 'array', minItems: 2, uniqueItems: true, items: { type: 'string' } },
          choices: {
            type: 'array',
            minItems: 2,
            uniqueItems: true,
            items: { type: 'string', enum: ['A', 'B', 'C'] },
          },
        }),
      ),
    ).toEqual({ one: [{ id: 'x' }], two: ['string', 'string1'], choices: ['A', 'B'] });
  });

  it('merges allOf branches and takes the first anyOf/oneOf branch', () => {
    expect(
      bodyFor(
        obj({
          merged: {
            allOf: [
              obj({ a: { type: 'string', example: 'a' } }),
              obj({ b: { type: 'integer', example: 2 } }),
            ],
          },
          either: { oneOf: [{ type: 'string', enum: ['COMPOUND'] }, { type: 'integer' }] },
        }),
      ),
    ).toEqual({ merged: { a: 'a', b: 2 }, either: 'COMPOUND' });
  });

  it('turns a leftover $ref marker into an empty object', () => {
    expect(bodyFor(obj({ child: { $ref: '#/components/schemas/Node' } }))).toEqual({ child: {} });
  });

  it('stops at the depth and value caps instead of walking a huge schema', () => {
    const deep = (n: number): JsonSchema => (n === 0 ? { type: 'string' } : obj({ next: deep(n - 1) }));
    expect(bodyFor(deep(5), { maxDepth: 2 })).toEqual({ next: { next: {} } });
    const wide = obj(
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, { type: 'string' }])),
    );
    const cut = Object.keys(bodyFor(wide, { maxValues: 11 }) as object);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.length).toBeLessThanOrEqual(10);
  });

  it('returns a copy, never the spec’s own example object', () => {
    const example = { a: 1 };
    const body = bodyFor({ type: 'object', example });
    expect(body).toEqual(example);
    expect(body).not.toBe(example);
  });
});

describe('exampleRequest parameters', () => {
  const op = makeOperation({
    path: '/v1/workspaces/{workspaceId}/user/{userId}/things/{thingId}/{order}/{noExample}',
    parameters: [
      { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string', example: 'spec-ws' } },
      { name: 'userId', in: 'path', required: true, schema: { type: 'string', example: 'spec-user' } },
      {
        name: 'thingId',
        in: 'path',
        required: true,
        schema: { type: 'string', example: '25b687e29ae1f428e7ebe123' },
      },
      { name: 'order', in: 'path', required: true, schema: { type: 'integer', minimum: 1, example: 3 } },
      { name: 'noExample', in: 'path', required: true, schema: { type: 'string' } },
      {
        name: 'start',
        in: 'query',
        required: true,
        schema: { type: 'string', example: '2020-01-01T00:00:00Z' },
      },
      {
        name: 'type',
        in: 'query',
        required: true,
        schema: { type: 'array', items: { type: 'string', example: 'TIME_ENTRY' } },
      },
      { name: 'page', in: 'query', required: false, schema: { type: 'integer', default: 1 } },
    ],
  });

  it('pre-fills the workspace and the add-on user, and uses spec examples for other path values', () => {
    expect(exampleRequest(op, CTX, { now: NOW }).pathParams).toEqual({
      workspaceId: 'ws-installation',
      userId: 'addon-user',
      thingId: '25b687e29ae1f428e7ebe123',
      order: '3',
      noExample: 'example-noExample',
    });
  });

  it('keeps the spec example for userId when the installation has no add-on user', () => {
    const input = exampleRequest(op, { workspaceId: 'ws' }, { now: NOW });
    expect(input.pathParams.userId).toBe('spec-user');
  });

  it('fills required query parameters only', () => {
    expect(exampleRequest(op, CTX, { now: NOW }).query).toEqual({
      start: '2020-01-01T00:00:00Z',
      type: ['TIME_ENTRY'],
    });
  });

  it('has no body key for an operation without a request body', () => {
    expect('body' in exampleRequest(op, CTX, { now: NOW })).toBe(false);
  });

  it('starts from an empty object when the body has no schema', () => {
    const bodyOp = makeOperation({
      method: 'POST',
      requestBody: { required: false, contentType: 'application/json' },
    });
    expect(exampleRequest(bodyOp, CTX, { now: NOW }).body).toEqual({});
  });
});

describe('fitsSchema', () => {
  it.each([
    [{ type: 'integer' }, 1.5, false],
    [{ type: 'integer', format: 'int32' }, 2 ** 31, false],
    [{ type: 'number', exclusiveMaximum: 1 }, 1, false],
    [{ type: 'string', nullable: true }, null, true],
    [{ type: ['string', 'null'] }, null, true],
    [{ type: 'string', pattern: '^a+$' }, 'aaa', true],
    [{ type: 'string', format: 'date' }, '2024-13-01', false],
    [{ type: 'string', format: 'byte' }, 'AA==', true],
    [{ type: 'array', maxItems: 1 }, [1, 2], false],
    [{ type: 'array', uniqueItems: true }, ['a', 'a'], false],
    [{ type: 'object', required: ['a'] }, {}, false],
    [{ type: 'object', properties: { a: { type: 'string' } } }, { a: 1 }, false],
    [{ allOf: [{ type: 'string' }, { minLength: 2 }] }, 'a', false],
    [{ anyOf: [{ type: 'string' }, { type: 'integer' }] }, 3, true],
  ])('%j with %j → %s', (schema, value, expected) => {
    expect(fitsSchema(schema, value)).toBe(expected);
  });

  it('counts code points for string length', () => {
    expect(fitsSchema({ type: 'string', maxLength: 1 }, '😀')).toBe(true);
  });
});

describe('isoInstant', () => {
  it('gives seconds precision in UTC', () => {
    expect(isoInstant(NOW)).toBe('2026-05-07T10:11:12Z');
  });
});
