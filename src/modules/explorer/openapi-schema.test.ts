import { describe, expect, it } from 'vitest';
import { capSchema, fixSpecQuirks, toJsonSchema } from './openapi-schema.js';

describe('toJsonSchema', () => {
  it('admits null where OpenAPI says nullable, in the type and in the enum', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, enum: ['A', 'B'] })).toEqual({
      type: ['string', 'null'],
      enum: ['A', 'B', null],
    });
    expect(toJsonSchema({ type: ['string', 'integer'], nullable: true })).toEqual({
      type: ['string', 'integer', 'null'],
    });
  });

  it('wraps a nullable schema without a type, or with composition, in anyOf', () => {
    const sub = { type: 'object', properties: { a: { type: 'string' } } };
    expect(toJsonSchema({ allOf: [sub], nullable: true })).toEqual({
      anyOf: [{ allOf: [sub] }, { type: 'null' }],
    });
  });

  it('drops annotation keywords ajv strict mode would reject', () => {
    expect(
      toJsonSchema({
        type: 'string',
        example: 'x',
        examples: ['x'],
        xml: { name: 'x' },
        externalDocs: { url: 'https://example.com' },
        deprecated: true,
        discriminator: { propertyName: 'kind' },
        'x-internal': true,
        description: 'kept',
      }),
    ).toEqual({ type: 'string', description: 'kept' });
  });

  it('turns boolean exclusive bounds into the numeric form', () => {
    expect(toJsonSchema({ type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 9 })).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
      maximum: 9,
    });
    expect(toJsonSchema({ type: 'integer', maximum: 9, exclusiveMaximum: false })).toEqual({
      type: 'integer',
      maximum: 9,
    });
  });

  it('reads oneOf as anyOf', () => {
    expect(toJsonSchema({ oneOf: [{ type: 'string' }, { type: 'integer' }] })).toEqual({
      anyOf: [{ type: 'string' }, { type: 'integer' }],
    });
  });

  it('leaves readOnly properties out of a request, writeOnly ones out of a response', () => {
    const schema = {
      type: 'object',
      required: ['id', 'name', 'password'],
      properties: {
        id: { type: 'string', readOnly: true },
        name: { type: 'string' },
        password: { type: 'string', writeOnly: true },
      },
    };
    expect(toJsonSchema(schema)).toEqual({
      type: 'object',
      required: ['name', 'password'],
      properties: { name: { type: 'string' }, password: { type: 'string' } },
    });
    expect(toJsonSchema(schema, { direction: 'response' })).toEqual({
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    });
  });

  it('keeps known formats and drops unknown ones', () => {
    expect(toJsonSchema({ type: 'string', format: 'date-time' })).toEqual({
      type: 'string',
      format: 'date-time',
    });
    expect(toJsonSchema({ type: 'string', format: 'clockify-id' })).toEqual({ type: 'string' });
  });

  it('replaces a leftover circular $ref marker with an empty schema', () => {
    const schema = {
      type: 'object',
      properties: {
        child: { $ref: '#/components/schemas/Node' },
        list: { type: 'array', items: { $ref: '#/x' } },
      },
    };
    expect(toJsonSchema(schema)).toEqual({
      type: 'object',
      properties: { child: {}, list: { type: 'array', items: {} } },
    });
  });

  it('cuts a real cycle in the object graph instead of recursing forever', () => {
    const node: Record<string, unknown> = { type: 'object', properties: {} };
    (node.properties as Record<string, unknown>).self = node;
    const out = toJsonSchema(node);
    expect(out).toEqual({ type: 'object', properties: { self: {} } });
  });

  it('converts a shared sub-schema once and never mutates its input', () => {
    const shared = { type: 'string', nullable: true, example: 'x' };
    const schema = { type: 'object', properties: { a: shared, b: shared } };
    const before = JSON.stringify(schema);
    const out = toJsonSchema(schema) as { properties: Record<string, unknown> };
    expect(out.properties.a).toBe(out.properties.b);
    expect(JSON.stringify(schema)).toBe(before);
  });
});

describe('fixSpecQuirks', () => {
  it('reads a bare object (Java Object) as any value, keeping the rest', () => {
    expect(fixSpecQuirks({ type: 'object', description: 'value', example: 'Manila' })).toEqual({
      description: 'value',
      example: 'Manila',
    });
  });

  it('reads an object with scalar oneOf branches (a Java enum) as the branches', () => {
    const e = { type: 'string', enum: ['COMPOUND', 'SIMPLE', 'NONE'] };
    expect(
      fixSpecQuirks({
        type: 'object',
        example: 'SIMPLE',
        oneOf: [e],
        properties: { SIMPLE: e, value: { type: 'string' } },
      }),
    ).toEqual({ example: 'SIMPLE', oneOf: [e] });
  });

  it('reads an ObjectId object as its string form', () => {
    expect(
      fixSpecQuirks({
        type: 'array',
        items: {
          type: 'object',
          properties: { dateOfCreationFromObjectId: { type: 'string' } },
          example: ['a'],
        },
      }),
    ).toEqual({ type: 'array', items: { type: 'string', example: ['a'] } });
  });

  it('leaves real objects alone, nested ones included, and does not mutate its input', () => {
    const real = {
      type: 'object',
      properties: { a: { type: 'object', properties: { b: { type: 'string' } } } },
    };
    const free = { type: 'object', additionalProperties: { type: 'string' } };
    const before = JSON.stringify([real, free]);
    expect(fixSpecQuirks(real)).toEqual(real);
    expect(fixSpecQuirks(free)).toEqual(free);
    expect(fixSpecQuirks({ type: 'object', oneOf: [{ type: 'object' }, { type: 'string' }] })).toEqual({
      type: 'object',
      oneOf: [{}, { type: 'string' }],
    });
    expect(JSON.stringify([real, free])).toBe(before);
  });
});

describe('capSchema', () => {
  const deep = (levels: number): Record<string, unknown> =>
    levels === 0
      ? { type: 'string' }
      : { type: 'object', description: `level ${levels}`, properties: { next: deep(levels - 1) } };

  it('leaves a small schema whole', () => {
    const schema = deep(3);
    expect(capSchema(schema)).toEqual({ schema, truncated: false });
  });

  it('cuts below the maximum depth, keeping type and description', () => {
    const { schema, truncated } = capSchema(deep(5), { maxDepth: 2, maxNodes: 100 });
    expect(truncated).toBe(true);
    expect(JSON.stringify(schema)).toContain('"x-truncated":true');
    // Depth 0 is the root (level 5); depth 2 (level 3) is the last one kept whole.
    type Node = { properties: { next: Node } };
    const level3 = (schema as Node).properties.next.properties.next;
    expect(level3.properties.next).toEqual({ type: 'object', description: 'level 2', 'x-truncated': true });
  });

  it('cuts after the maximum number of sub-schemas', () => {
    const wide = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`p${i}`, { type: 'string' }])),
    };
    const { schema, truncated } = capSchema(wide, { maxDepth: 10, maxNodes: 10 });
    expect(truncated).toBe(true);
    const props = Object.values(
      (schema as { properties: Record<string, Record<string, unknown>> }).properties,
    );
    expect(props.filter((p) => p['x-truncated'] === true)).toHaveLength(41);
  });

  it('keeps $ref markers and marks a cycle instead of following it', () => {
    const node: Record<string, unknown> = { type: 'object', properties: { ref: { $ref: '#/a' } } };
    (node.properties as Record<string, unknown>).self = node;
    const { schema } = capSchema(node);
    expect(schema).toEqual({
      type: 'object',
      properties: { ref: { $ref: '#/a' }, self: { 'x-circular': true } },
    });
  });
});
