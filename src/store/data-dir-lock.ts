import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One process per embedded DATA_DIR (issue #11). PGlite is single-process: two gateways on one folder
 * both run and silently lose each other's writes. The first one writes `DATA_DIR/gateway.lock` (pid,
 * start time, host); a second is refused. A lock whose process is gone (crash, kill -9, a container that
 * restarted with the same pid) is taken over.
 */
export const LOCK_FILE = 'gateway.lock';

type LockContent = { pid: number; startedAt: string; host: string };

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

export type DataDirLock = { file: string; release(): void; tookOverFrom?: LockContent };

/** Platform facts, replaceable in tests. */
export type LockIo = {
  pid: number;
  host: string;
  now: () => Date;
  /** Whether a process with this pid runs here now, and when it started (undefined when unknown). */
  processInfo: (pid: number) => { alive: boolean; startedAt?: Date };
};

export const systemLockIo: LockIo = {
  pid: process.pid,
  host: hostname(),
  now: () => new Date(),
  processInfo(pid) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false };
    }
    return { alive: true, startedAt: linuxStartTime(pid) };
  },
};

export function acquireDataDirLock(dataDir: string, io: LockIo = systemLockIo): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, LOCK_FILE);
  const mine: LockContent = { pid: io.pid, startedAt: io.now().toISOString(), host: io.host };
  let tookOverFrom: LockContent | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine) + '\n', { flag: 'wx', mode: 0o600 });
      return {
        file,
        ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
        release() {
          try {
            if (readLock(file)?.pid === io.pid) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(file);
    if (held !== undefined && !isStale(held, io)) {
      const other = held.host === io.host ? '' : ` on host ${held.host}`;
      throw new DataDirLockedError(
        `DATA_DIR ${dataDir} is in use by another gateway (pid ${held.pid}${other}, started ${held.startedAt}): ` +
          'stop that process first, or use DATABASE_URL (PostgreSQL) to run several instances' +
          (other !== '' ? `; if it is gone, delete ${file}` : ''),
      );
    }
    tookOverFrom = held;
    try {
      unlinkSync(file);
    } catch {
      // someone else removed it first; try again
    }
  }
  throw new DataDirLockedError(
    `DATA_DIR ${dataDir}: could not take the lock ${file}; is another gateway starting?`,
  );
}

function readLock(file: string): LockContent | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof v.pid === 'number' && typeof v.startedAt === 'string' && typeof v.host === 'string') {
      return v as LockContent;
    }
  } catch {
    // unreadable or half written: treated as stale below
  }
  return undefined;
}

function isStale(held: LockContent, io: LockIo): boolean {
  // On another host we cannot see the process: the lock holds (the message says how to clear it).
  if (held.host !== io.host) return false;
  // Our own pid: a restarted container, where the previous process had the same pid.
  if (held.pid === io.pid) return true;
  const info = io.processInfo(held.pid);
  if (!info.alive) return true;
  // The pid was reused by a process that started well after the lock was written.
  if (info.startedAt !== undefined) {
    return Math.abs(info.startedAt.getTime() - Date.parse(held.startedAt)) > 60_000;
  }
  return false;
}

/** Start time of a process from /proc (Linux); undefined elsewhere. */
function linuxStartTime(pid: number): Date | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22 of stat; the two before ')' are cut off
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    return new Date((btime + ticks / 100) * 1000);
  } catch {
    return undefined;
  }
}
