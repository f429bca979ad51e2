import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../jobs/catalog.js';
import type { JobContext } from '../../jobs/runner.js';
import type { ProcessedEvent } from '../ingestion/event-processors.js';
import { createFlowMatcher } from './flow-matcher.js';
import { z } from 'zod';

const job = defineJob('flow.execute.test', { schema: z.object({}), leaseSeconds: 10, maxAttempts: 1 });

/** A matcher over fakes: one workspace with no flows; counts the generation reads. */
function matcher() {
  let generationReads = 0;
  const m = createFlowMatcher({
    flows: {
      generation: async () => {
        generationReads++;
        return 1n;
      },
      matchable: async () => [],
    },
    executions: {
      insertForEvent: async () => [],
      countSkips: async () => undefined,
      insertSkipped: async () => [],
    },
    flowsActive: async () => true,
    cache: async () => new Map(),
    job,
    clock: { now: () => new Date() },
    log: pino({ level: 'silent' }),
    wake: () => undefined,
  });
  return { m, reads: () => generationReads };
}

const event = (n: number): ProcessedEvent => ({
  id: `evt_${n}`,
  workspaceId: 'ws1',
  sourceKind: 'custom',
  sourceId: 'src1',
  eventType: 'issue',
  payload: { n },
  receivedAt: new Date(),
});
const ctx = (jobId: string) => ({ jobId }) as JobContext;

describe('flow matcher: the generation check', () => {
  it('reads the generation once per event.process job, however concurrent jobs of one workspace interleave', async () => {
    const { m, reads } = matcher();
    // Two jobs of one workspace whose events alternate (the runner runs a claim's jobs concurrently).
    for (const [i, jobId] of ['A', 'B', 'A', 'B', 'A', 'B'].entries())
      await m.processor.process(event(i), ctx(jobId));
    expect(reads()).toBe(2);
    // A later job checks again, and a change made here drops the index (its next check reads again).
    await m.processor.process(event(7), ctx('C'));
    expect(reads()).toBe(3);
    m.invalidate('ws1');
    await m.processor.process(event(8), ctx('C'));
    expect(reads()).toBe(4);
  });
});
