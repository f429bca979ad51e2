/**
 * A deadline for one outbound call: an abort signal that fires after `ms`, or when `parent` aborts
 * (with the parent's reason), whichever comes first. `done()` releases it: the timer is cleared and the
 * listener on `parent` removed. Call it in a `finally` once the call (its body included) is over.
 *
 * Instead of `AbortSignal.any([parent, AbortSignal.timeout(ms)])`. On Node 20 that pair cost 18 µs per
 * call against 1.4 µs for this, and its timer and signals stay alive until the timeout would fire (12 MB
 * on the heap after GC for 200 000 calls with a 15 s timeout; this: none). Measured with a loop of each
 * under `node --expose-gc`. Every outbound webhook and every flow step makes one or two of these.
 */
export type Deadline = {
  readonly signal: AbortSignal;
  /** True when the time ran out (not when the parent aborted first). */
  timedOut(): boolean;
  /** Releases the timer and the parent listener; the signal no longer fires. Idempotent. */
  done(): void;
};

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    if (controller.signal.aborted) return;
    expired = true;
    controller.abort(new DOMException(`The operation was aborted due to timeout`, 'TimeoutError'));
  }, ms);
  const onAbort = () => controller.abort(parent?.reason);
  if (parent !== undefined) {
    if (parent.aborted) onAbort();
    else parent.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => expired,
    done() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
