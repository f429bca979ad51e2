import { describe, expect, it } from 'vitest';
import { BYTEA_OID, TEXT_OID, binaryByteaArray, binaryTextArray } from './pg-binary-array.js';

describe('binary array encoding', () => {
  it('writes the array_recv layout: header, one dimension, length-prefixed elements, -1 for NULL', () => {
    const buf = binaryTextArray(['ab', null, 'é']);
    const ints = (at: number) => buf.readInt32BE(at);
    expect([ints(0), ints(4), ints(8), ints(12), ints(16)]).toEqual([1, 1, TEXT_OID, 3, 1]);
    expect(ints(20)).toBe(2);
    expect(buf.subarray(24, 26).toString()).toBe('ab');
    expect(ints(26)).toBe(-1);
    expect(ints(30)).toBe(2); // 'é' is two UTF-8 bytes
    expect(buf.subarray(34).toString()).toBe('é');
    expect(buf.length).toBe(36);
  });

  it('flags no NULLs when there are none, and copies bytes as they are', () => {
    const buf = binaryByteaArray([Buffer.from([0, 255]), new Uint8Array(0)]);
    expect(buf.readInt32BE(4)).toBe(0);
    expect(buf.readInt32BE(8)).toBe(BYTEA_OID);
    expect(buf.readInt32BE(12)).toBe(2);
    expect([...buf.subarray(20)]).toEqual([0, 0, 0, 2, 0, 255, 0, 0, 0, 0]);
  });
});
