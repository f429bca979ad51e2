import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, createTestDatabase } from '../helpers/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());

describe('array parameters (the ingest batch ships its columns this way)', () => {
  const texts = [
    'plain',
    '',
    'héllo ✓ 😀',
    'quote " backslash \\ comma , brace { } NULL',
    'x'.repeat(70_000),
    null,
  ];
  const bytes = [
    Buffer.from([0, 1, 2, 255, 0]),
    Buffer.alloc(0),
    Buffer.from('{"json":true}'),
    Buffer.alloc(100_000, 7),
  ];

  it('round-trips text (with NULL) and bytea arrays exactly, in order', async () => {
    const [row] = await db.sql.query<{ t: (string | null)[]; b: Uint8Array[]; n: number }>(
      'SELECT $1::text[] AS t, $2::bytea[] AS b, cardinality($2::bytea[]) AS n',
      [db.sql.textArray(texts), db.sql.byteaArray(bytes)],
    );
    expect(row!.t).toEqual(texts);
    expect(row!.n).toBe(bytes.length);
    expect(row!.b.map((b) => Buffer.from(b).toString('hex'))).toEqual(bytes.map((b) => b.toString('hex')));
  });

  it('unnests several arrays side by side as rows, and runs as a prepared statement more than once', async () => {
    for (let round = 0; round < 3; round++) {
      const rows = await db.sql.prepared<{ k: string; v: number }>(
        'test_unnest',
        'SELECT k, length(v) AS v FROM unnest($1::text[], $2::bytea[]) AS u(k, v) ORDER BY k',
        [db.sql.textArray(['b', 'a']), db.sql.byteaArray([Buffer.alloc(3), Buffer.alloc(5)])],
      );
      expect(rows).toEqual([
        { k: 'a', v: 5 },
        { k: 'b', v: 3 },
      ]);
    }
  });

  it('takes empty arrays', async () => {
    const [row] = await db.sql.query<{ n: number | null }>('SELECT cardinality($1::text[]) AS n', [
      db.sql.textArray([]),
    ]);
    expect(row!.n).toBe(0);
  });
});
