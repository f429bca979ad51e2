/** Failure injection for the fake Clockify: fail with a status N times, add latency, or hang. */

export type FaultSpec = {
  /** Match by catalogue operationId … */
  operationId?: string;
  /** … or by a regular expression over the request path (e.g. `/projects$`). */
  pathPattern?: string;
  method?: string;
  workspaceId?: string;
  /** Answer with this status instead of the normal response. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay before answering (normally or with `status`). */
  latencyMs?: number;
  /** Never answer (until the server closes or `hangMs` passes): a timeout for the caller. */
  hang?: boolean;
  hangMs?: number;
  /** How many matching requests the fault applies to; unlimited when absent. */
  times?: number;
};

export type Fault = FaultSpec & { id: number; remaining: number };
export type FaultRequest = { operationId?: string; path: string; method: string; workspaceId?: string };

export function createFaultList() {
  let seq = 0;
  let faults: Fault[] = [];

  const matches = (f: Fault, r: FaultRequest) =>
    (f.operationId === undefined || f.operationId === r.operationId) &&
    (f.method === undefined || f.method.toUpperCase() === r.method.toUpperCase()) &&
    (f.workspaceId === undefined || f.workspaceId === r.workspaceId) &&
    (f.pathPattern === undefined || new RegExp(f.pathPattern).test(r.path));

  return {
    add(spec: FaultSpec): number {
      const id = ++seq;
      faults.push({ ...spec, id, remaining: spec.times ?? Infinity });
      return id;
    },
    remove(id: number) {
      faults = faults.filter((f) => f.id !== id);
    },
    clear() {
      faults = [];
    },
    list: (): readonly Fault[] => faults,
    /** The first fault matching the request, consuming one of its `times`. */
    take(r: FaultRequest): Fault | undefined {
      const f = faults.find((x) => x.remaining > 0 && matches(x, r));
      if (f === undefined) return undefined;
      f.remaining -= 1;
      if (f.remaining <= 0) faults = faults.filter((x) => x !== f);
      return f;
    },
  };
}
export type FaultList = ReturnType<typeof createFaultList>;
