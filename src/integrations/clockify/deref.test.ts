import { describe, expect, it } from 'vitest';
import { dereferenceInternal } from './deref.js';

describe('dereferenceInternal', () => {
  it('replaces references by their shared target, follows chains, and decodes pointer escapes', () => {
    const doc = dereferenceInternal({
      paths: {
        a: { schema: { $ref: '#/components/schemas/User' } },
        b: { items: [{ $ref: '#/components/schemas/Alias' }] },
        c: { $ref: '#/components/schemas/a~1b' },
      },
      components: {
        schemas: {
          User: { type: 'object', properties: { id: { type: 'string' } } },
          Alias: { $ref: '#/components/schemas/User' },
          'a/b': { type: 'integer' },
        },
      },
    });
    expect(doc.paths.a.schema).toEqual({ type: 'object', properties: { id: { type: 'string' } } });
    expect(doc.paths.b.items[0]).toBe(doc.paths.a.schema);
    expect(doc.paths.c).toEqual({ type: 'integer' });
  });

  it('leaves a reference back into a cycle as { $ref }, so the result has no object cycles', () => {
    const doc = dereferenceInternal({
      root: { $ref: '#/defs/Node' },
      defs: { Node: { properties: { child: { $ref: '#/defs/Node' } } } },
    });
    expect(doc.root).toEqual({ properties: { child: { $ref: '#/defs/Node' } } });
    expect(() => JSON.stringify(doc)).not.toThrow();
  });

  it('refuses a reference that points nowhere', () => {
    expect(() => dereferenceInternal({ a: { $ref: '#/missing/x' } })).toThrow(/does not resolve/);
  });
});
