import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './availability.js';

const sock = (code: string) =>
  Object.assign(new Error(`connect ${code}`), { code, syscall: 'connect', errno: -1 });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', sock('ECONNREFUSED')],
    ['a reset connection', sock('ECONNRESET')],
    [
      'pg: terminated by an administrator',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    [
      'pg: statement timeout',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
    ['pg: connection exception class 08', Object.assign(new Error('x'), { code: '08006' })],
    ['pg: too many connections', Object.assign(new Error('x'), { code: '53300' })],
    ['pg pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['Prisma: cannot reach', Object.assign(new Error("Can't reach database server"), { code: 'P1001' })],
    ['Prisma: closed', Object.assign(new Error('Server has closed the connection.'), { code: 'P1017' })],
    [
      'Prisma: raw query wrapping a driver error',
      Object.assign(new Error('Raw query failed'), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P01' } } },
      }),
    ],
    ['wrapped in a cause', new Error('outer', { cause: sock('ECONNREFUSED') })],
  ])('%s → unavailable', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('dup'), { code: '23505' })],
    ['a bad value', Object.assign(new Error('invalid input syntax'), { code: '22P02' })],
    ['Prisma: record not found', Object.assign(new Error('not found'), { code: 'P2025' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s → not unavailable', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
