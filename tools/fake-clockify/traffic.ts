/** Request accounting for the fake Clockify: the per-second histogram and the sliding-window 429 rule. */

export type RequestRecord = {
  at: number;
  workspaceId: string;
  method: string;
  path: string;
  operationId?: string;
  status: number;
};

export function createTraffic(opts: { limitPerSecond: number; now: () => number }) {
  const log: RequestRecord[] = [];
  // Accepted-request times per workspace, pruned to the last second, for the 429 decision.
  const recent = new Map<string, number[]>();

  return {
    /**
     * Whether one more request for the workspace fits: fewer than `limit` accepted in the last
     * second (sliding, so it is at least as strict as any fixed-window limiter Clockify might use).
     */
    admit(workspaceId: string): boolean {
      const now = opts.now();
      const times = (recent.get(workspaceId) ?? []).filter((t) => t > now - 1000);
      const ok = times.length < opts.limitPerSecond;
      if (ok) times.push(now);
      recent.set(workspaceId, times);
      return ok;
    },
    record(r: Omit<RequestRecord, 'at'>) {
      log.push({ ...r, at: opts.now() });
    },
    requests: (workspaceId?: string): readonly RequestRecord[] =>
      workspaceId === undefined ? log : log.filter((r) => r.workspaceId === workspaceId),
    /** Requests per epoch second for one workspace (all statuses, 429s included). */
    perSecond(workspaceId: string): Map<number, number> {
      const counts = new Map<number, number>();
      for (const r of log) {
        if (r.workspaceId !== workspaceId) continue;
        const s = Math.floor(r.at / 1000);
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
      return counts;
    },
    /** The most requests (not answered 429) in any sliding second for one workspace. */
    maxPerSlidingSecond(workspaceId: string): number {
      const times = log.filter((r) => r.workspaceId === workspaceId && r.status !== 429).map((r) => r.at);
      let best = 0;
      let start = 0;
      for (let end = 0; end < times.length; end++) {
        while (times[end]! - times[start]! >= 1000) start++;
        best = Math.max(best, end - start + 1);
      }
      return best;
    },
    rejected: (workspaceId: string) =>
      log.filter((r) => r.workspaceId === workspaceId && r.status === 429).length,
    reset() {
      log.length = 0;
      recent.clear();
    },
  };
}
export type Traffic = ReturnType<typeof createTraffic>;
