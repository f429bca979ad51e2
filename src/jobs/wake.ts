/**
 * A process-local signal: "a job was just committed here, claim now rather than at the next poll".
 * Created first by the composition root and handed to whoever enqueues; the runner subscribes when it
 * starts, so nothing needs the runner before it exists. Poke only after the enqueuing transaction
 * committed: a claim before the commit would not see the job.
 */
export type WakeSignal = {
  /** A plain function: modules are handed `wake.poke` itself. */
  poke: () => void;
  subscribe(listener: () => void): () => void;
};

export function createWakeSignal(): WakeSignal {
  const listeners = new Set<() => void>();
  return {
    poke: () => {
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
