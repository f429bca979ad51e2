import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deadline } from './deadline.js';

describe('deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with a TimeoutError when the time runs out, and says it timed out', () => {
    const d = deadline(1_000);
    vi.advanceTimersByTime(999);
    expect(d.signal.aborted).toBe(false);
    expect(d.timedOut()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(d.signal.aborted).toBe(true);
    expect(d.timedOut()).toBe(true);
    expect((d.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("aborts with the parent's reason when the parent aborts first; that is not a timeout", () => {
    const parent = new AbortController();
    const d = deadline(1_000, parent.signal);
    const reason = new Error('shutting down');
    parent.abort(reason);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBe(reason);
    vi.advanceTimersByTime(5_000);
    expect(d.timedOut()).toBe(false);
  });

  it('is aborted from the start when the parent already is', () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    const d = deadline(1_000, parent.signal);
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe('gone');
    d.done();
  });

  it('done() clears the timer and the listener on the parent: nothing fires afterwards', () => {
    const parent = new AbortController();
    const add = vi.spyOn(parent.signal, 'addEventListener');
    const remove = vi.spyOn(parent.signal, 'removeEventListener');
    const d = deadline(1_000, parent.signal);
    d.done();
    d.done();
    expect(vi.getTimerCount()).toBe(0);
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]![1]);
    parent.abort(new Error('late'));
    vi.advanceTimersByTime(2_000);
    expect(d.signal.aborted).toBe(false);
    expect(d.timedOut()).toBe(false);
  });
});
