import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  findInputProblems,
  isStorableText,
  jsonNestingDepth,
  storableJson,
  storableText,
} from './storable-text.js';

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('isStorableText / storableText', () => {
  it.each([
    ['', true],
    ['plain ascii', true],
    ['émoji 💥 (a surrogate pair)', true],
    ['\u0000', false],
    ['a\u0000b', false],
    ['\ud800', false],
    ['x\ud800y', false],
    ['\udfff', false],
    ['\udfff\ud800', false], // low then high: both unpaired
    ['\ud83d\udca5\ud83d', false],
  ])('%j storable: %s', (text, ok) => {
    expect(isStorableText(text)).toBe(ok);
    expect(isStorableText(storableText(text))).toBe(true);
  });

  it('replaces each unstorable code unit with U+FFFD and keeps the rest', () => {
    expect(storableText('a\u0000b\ud800c💥\udc00')).toBe('a\uFFFDb\uFFFDc💥\uFFFD');
    const ok = 'unchanged 💥';
    expect(storableText(ok)).toBe(ok);
  });
});

describe('findInputProblems', () => {
  it('names every unstorable string and key by its path', () => {
    const value = { name: 'ok', list: ['fine', 'bad\u0000'], nested: { 'we ird': '\ud800' }, 'k\u0000': 1 };
    expect(
      findInputProblems(value, 'body')
        .map((p) => p.path)
        .sort(),
    ).toEqual(['body.list.1', 'body.nested["we ird"]', 'body["k\\u0000"]'].sort());
  });

  it('accepts nesting up to the limit and names the first level beyond it, without recursion', () => {
    expect(findInputProblems(nested(MAX_JSON_DEPTH), 'body')).toEqual([]);
    const deep = findInputProblems(nested(MAX_JSON_DEPTH + 1), 'body');
    expect(deep).toHaveLength(1);
    expect(deep[0]!.message).toMatch(/deeper than 128/);
    expect(findInputProblems(nested(200_000), 'body')).toHaveLength(1);
  });

  it('ignores numbers, booleans, null and byte buffers', () => {
    expect(findInputProblems([1, true, null, Buffer.from([0])], 'body')).toEqual([]);
  });
});

describe('jsonNestingDepth', () => {
  it.each([
    ['1', 0],
    ['[]', 1],
    ['{"a":[{"b":[]}]}', 4],
    ['"[[[[["', 0],
    ['["\\"[[[", {}]', 2],
    ['{"a":"\\\\"}', 1],
  ])('%s nests %i deep', (json, depth) => {
    expect(jsonNestingDepth(Buffer.from(json))).toBe(depth);
  });

  it('agrees with JSON.stringify output of deep values and stops counting early', () => {
    const text = JSON.stringify(nested(500));
    expect(jsonNestingDepth(Buffer.from(text))).toBe(500);
    expect(jsonNestingDepth(Buffer.from(text), 10)).toBe(11);
  });
});

describe('storableJson', () => {
  it('returns the value itself when every string can be stored', () => {
    const v = { a: ['x', 1, null, { b: '💥' }] };
    expect(storableJson(v)).toBe(v);
  });

  it('replaces unstorable strings and keys, keeping "__proto__" a plain key', () => {
    const v = JSON.parse('{"n\\u0000":"\\ud800","__proto__":{"x":"ok"},"list":["\\u0000"]}') as unknown;
    const out = storableJson(v) as Record<string, unknown>;
    expect(out).toEqual({ 'n\uFFFD': '\uFFFD', ['__proto__']: { x: 'ok' }, list: ['\uFFFD'] });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toContain('__proto__');
  });

  it('refuses values nested beyond the limit', () => {
    expect(() => storableJson(nested(MAX_JSON_DEPTH + 1))).toThrow(RangeError);
  });
});
