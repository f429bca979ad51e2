import { describe, expect, it } from 'vitest';
import {
  JsonPathError,
  checkJsonPath,
  compileJsonPath,
  firstJsonPathMatch,
  jsonPathSchema,
  queryJsonPath,
} from './jsonpath.js';

const doc = {
  id: 'evt_1',
  a: { b: [1, 2, { c: 'x' }] },
  'x y': 1,
  'a.b': 2,
  'time-entry': 3,
  list: [{ k: 'a' }, { k: 'b' }],
  empty: null,
};

const kindOf = (path: string): string | undefined => {
  const r = checkJsonPath(path);
  return r.ok ? undefined : r.error.kind;
};

describe('compileJsonPath', () => {
  it('accepts names, quoted names, indices, wildcards, one descent, unions and slices', () => {
    for (const p of [
      '$',
      '$.id',
      '$.a.b[2].c',
      "$['x y']",
      '$["a.b"]',
      '$.time-entry',
      '$..k',
      '$..*',
      '$.list[*].k',
      '$.list.*',
      '$.list[0,1].k',
      '$[a,list]',
      '$.a.b[1:]',
      '$.a.b[-1:]',
      '$.a.b[0:3:2]',
    ])
      expect(checkJsonPath(p).ok, p).toBe(true);
  });

  it('marks names and indices as singular and anything that fans out as not', () => {
    expect(compileJsonPath('$.a.b[2].c').singular).toBe(true);
    expect(compileJsonPath("$['x y']").singular).toBe(true);
    for (const p of ['$..k', '$.list[*]', '$[a,list]', '$.a.b[1:]'])
      expect(compileJsonPath(p).singular).toBe(false);
  });

  it('refuses filter and script expressions as forbidden, with a message saying so', () => {
    for (const p of ['$[?(@.id)]', '$.list[(@.length-1)]', "$['a(b)']", '$..[?(@.constructor)]']) {
      const r = checkJsonPath(p);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('forbidden');
        expect(r.error.message).toMatch(/filter and script expressions/);
      }
    }
  });

  it('refuses prototype keys in any spelling', () => {
    for (const p of ['$.__proto__', "$['constructor']", '$.a.prototype', '$..__proto__', '$["__proto__"].x'])
      expect(kindOf(p), p).toBe('forbidden');
  });

  it('refuses malformed paths with the position', () => {
    const r = checkJsonPath('$.a[');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/at character \d+/);
    for (const p of [
      '',
      'id',
      '$.',
      '$..',
      '$[-1]',
      "$['a",
      '$.a[1:2:-1]',
      '$.a[0:3:0]',
      '$[a,a]',
      '$.@x',
      '$.a b',
    ])
      expect(kindOf(p), p).toBe('syntax');
  });

  it('refuses names the evaluator would read as operators', () => {
    for (const p of [
      "$['a,b']",
      "$['@string()']",
      "$['`x']",
      "$['1:2']",
      "$['*']",
      "$['..']",
      "$['~']",
      "$['^']",
    ])
      expect(checkJsonPath(p).ok, p).toBe(false);
  });

  it('enforces its limits', () => {
    expect(kindOf(`$.${'a'.repeat(300)}`)).toBe('limit');
    expect(kindOf(`$${'.a'.repeat(40)}`)).toBe('limit');
    expect(kindOf('$..a..b')).toBe('limit');
    expect(kindOf(`$[${Array.from({ length: 20 }, (_, i) => `k${i}`).join(',')}]`)).toBe('limit');
    expect(checkJsonPath('$..a..b', { maxDescents: 2 }).ok).toBe(true);
  });

  it('does not throw on non-strings', () => {
    expect(checkJsonPath(42).ok).toBe(false);
    expect(checkJsonPath(null).ok).toBe(false);
    expect(() => compileJsonPath(undefined as unknown as string)).toThrow(JsonPathError);
  });

  it('gives a zod schema with the compiler message', () => {
    const r = jsonPathSchema().safeParse('$[?(@.x)]');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/filter and script/);
    expect(jsonPathSchema().safeParse('$.x').success).toBe(true);
  });
});

describe('queryJsonPath', () => {
  it('selects values in document order', () => {
    expect(queryJsonPath('$.a.b[2].c', doc)).toEqual(['x']);
    expect(queryJsonPath("$['x y']", doc)).toEqual([1]);
    expect(queryJsonPath("$['a.b']", doc)).toEqual([2]);
    expect(queryJsonPath('$.time-entry', doc)).toEqual([3]);
    expect(queryJsonPath('$..k', doc)).toEqual(['a', 'b']);
    expect(queryJsonPath('$.list[*].k', doc)).toEqual(['a', 'b']);
    expect(queryJsonPath('$.list[1,0].k', doc)).toEqual(['b', 'a']);
    expect(queryJsonPath('$.a.b[-1:]', doc)).toEqual([{ c: 'x' }]);
    expect(queryJsonPath('$.a.b[0:3:2]', doc)).toEqual([1, { c: 'x' }]);
    expect(queryJsonPath('$.empty', doc)).toEqual([null]);
    expect(queryJsonPath('$', doc)).toEqual([doc]);
  });

  it('finds nothing for missing keys, inherited properties and scalars', () => {
    expect(queryJsonPath('$.nope', doc)).toEqual([]);
    expect(queryJsonPath('$.toString', doc)).toEqual([]);
    // An array's or a string's own `length` is data, and handy in conditions.
    expect(queryJsonPath('$.a.b.length', doc)).toEqual([3]);
    expect(queryJsonPath('$.id.length', doc)).toEqual([5]);
    expect(queryJsonPath('$.id.toString', doc)).toEqual([]);
    expect(queryJsonPath('$.x', 'text')).toEqual([]);
    expect(queryJsonPath('$.x', null)).toEqual([]);
    expect(queryJsonPath('$', 0)).toEqual([0]);
  });

  it('stops after the first match when asked', () => {
    expect(firstJsonPathMatch('$..k', doc)).toEqual({ found: true, value: 'a' });
    expect(firstJsonPathMatch('$.nope', doc)).toEqual({ found: false });
    expect(firstJsonPathMatch('$.empty', doc)).toEqual({ found: true, value: null });
  });

  it('caps results: $..* on a large body is a limit error, not a huge array', () => {
    const big = { items: Array.from({ length: 5_000 }, (_, i) => ({ id: i, name: `n${i}` })) };
    expect(() => queryJsonPath('$..*', big)).toThrow(/more than 1000 values match/);
    expect(queryJsonPath('$..*', big, { first: 3 })).toHaveLength(3);
  });

  it('refuses fanning-out paths on documents that are too large or too deep, but follows plain paths', () => {
    const big = { items: Array.from({ length: 60_000 }, (_, i) => ({ id: i })) };
    expect(() => queryJsonPath('$..zzz', big)).toThrow(/more than 100000 values/);
    expect(queryJsonPath('$.items[59999].id', big)).toEqual([59_999]);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 5_000; i++) {
      const next = {};
      deep.x = next;
      deep = next;
    }
    expect(() => queryJsonPath('$..x', root)).toThrow(/nested deeper than 64/);
    expect(queryJsonPath('$.x.x.x', root)).toHaveLength(1);
  });

  it('throws JsonPathError for a bad path string', () => {
    expect(() => queryJsonPath('$[?(@.a)]', doc)).toThrow(JsonPathError);
  });
});
