import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { createFlowsRepo } from './flows.repo.js';

/** A statement runner that answers the generation read from a map and counts its statements. */
function fakeSql(generations: Record<string, bigint>) {
  const calls: string[][] = [];
  return {
    calls,
    sql: {
      textArray: (values: readonly (string | null)[]) => values,
      async prepared<T>(_name: string, _text: string, params: unknown[]): Promise<T[]> {
        const ids = params[0] as string[];
        calls.push(ids);
        await new Promise((r) => setImmediate(r));
        return ids
          .filter((w) => generations[w] !== undefined)
          .map((w) => ({ workspace_id: w, generation: String(generations[w]) })) as T[];
      },
    },
  };
}

describe('flows repo: the generation read of matching', () => {
  it("shares one statement among concurrent reads, each getting its own workspace's counter", async () => {
    const { sql, calls } = fakeSql({ ws1: 3n, ws2: 7n });
    const repo = createFlowsRepo({} as PrismaClient, sql);
    const asked = ['ws1', 'ws2', 'ws3', 'ws1', 'ws2', 'ws1', 'ws3', 'ws2', 'ws1', 'ws2'];
    const got = await Promise.all(asked.map((w) => repo.generation(w)));
    expect(got).toEqual(asked.map((w) => ({ ws1: 3n, ws2: 7n, ws3: 0n })[w]));
    // The first read goes out alone; the nine made while it ran go out together, each workspace once.
    expect(calls).toEqual([['ws1'], ['ws2', 'ws3', 'ws1']]);
  });
});
