/**
 * A process-local signal: "a job was just committed here, claim now rather than at the next poll".
 * Created first by the composition root and handed to whoever enqueues; the runner subscribes when it
 * starts, so nothing needs the runner before it exists. Poke only after the enqueuing transaction
 * committed: a claim before the commit would not see the job.
 */
import type { JobPool } from './catalog.js';

export type WakeSignal = {
  /**
   * A plain function: modules are handed `wake.poke` itself. `pool`: the pool of the jobs committed (only
   * its runner claims); none wakes every runner.
   */
  poke: (pool?: JobPool) => void;
  subscribe(listener: (pool?: JobPool) => void): () => void;
};

export function createWakeSignal(): WakeSignal {
  const listeners = new Set<(pool?: JobPool) => void>();
  return {
    poke: (pool) => {
      for (const l of listeners) l(pool);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
