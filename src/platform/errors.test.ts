import { describe, expect, it } from 'vitest';
import { errorReason, sqlStateOf } from './errors.js';

// The shape Prisma's driver adapters give a failed raw query (PGlite leaves the outer message empty).
const prismaRawQueryError = Object.assign(new Error('Raw query failed. Code: `N/A`. Message: `undefined`'), {
  code: 'P2010',
  meta: {
    driverAdapterError: {
      cause: {
        kind: 'postgres',
        code: '22P05',
        message: 'unsupported Unicode escape sequence',
        detail: '\\u0000 cannot be converted to text.',
      },
    },
  },
});

describe('sqlStateOf', () => {
  it('finds the SQLSTATE inside a Prisma driver-adapter error, not Prisma’s own code', () => {
    expect(sqlStateOf(prismaRawQueryError)).toBe('22P05');
  });
  it('reads pg’s and PGlite’s code, and a wrapped cause', () => {
    expect(sqlStateOf({ code: '22021' })).toBe('22021');
    expect(sqlStateOf(new Error('outer', { cause: { code: '54001' } }))).toBe('54001');
    expect(sqlStateOf(Object.assign(new Error('x'), { code: 'P2002' }))).toBeUndefined();
    expect(sqlStateOf(new Error('plain'))).toBeUndefined();
  });
});

describe('errorReason', () => {
  it('spells out a database error with the database’s own message', () => {
    expect(errorReason(prismaRawQueryError)).toBe(
      'database error 22P05: unsupported Unicode escape sequence (\\u0000 cannot be converted to text.)',
    );
  });
  it('is the message otherwise', () => {
    expect(errorReason(new RangeError('Maximum call stack size exceeded'))).toBe(
      'Maximum call stack size exceeded',
    );
    expect(errorReason('text')).toBe('text');
  });
});
