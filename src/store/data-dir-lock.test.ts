import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, type LockIo, acquireDataDirLock } from './data-dir-lock.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gw-lock-'));
  dirs.push(d);
  return d;
};

const T0 = new Date('2026-12-02T10:00:00Z');
/** Processes that run "here": pid → start time. */
function io(pid: number, running: Record<number, Date>, host = 'h1'): LockIo {
  return {
    pid,
    host,
    now: () => T0,
    processInfo: (p) => (p in running ? { alive: true, startedAt: running[p] } : { alive: false }),
  };
}
const held = (dir: string, content: object) =>
  writeFileSync(join(dir, 'gateway.lock'), JSON.stringify(content));

describe('the DATA_DIR lock', () => {
  it('is written with pid, start time and host, refuses a second process, and is released', () => {
    const dir = dataDir();
    const first = acquireDataDirLock(dir, io(100, { 100: T0 }));
    expect(JSON.parse(readFileSync(first.file, 'utf8'))).toEqual({
      pid: 100,
      startedAt: T0.toISOString(),
      host: 'h1',
    });
    expect(() => acquireDataDirLock(dir, io(200, { 100: T0, 200: T0 }))).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir, io(200, { 100: T0, 200: T0 }))).toThrow(
      /is in use by another gateway \(pid 100, started .*\): stop that process first, or use DATABASE_URL/,
    );
    first.release();
    expect(existsSync(first.file)).toBe(false);
    expect(acquireDataDirLock(dir, io(200, { 200: T0 })).tookOverFrom).toBeUndefined();
  });

  it('takes over the lock of a process that is gone', () => {
    const dir = dataDir();
    held(dir, { pid: 100, startedAt: T0.toISOString(), host: 'h1' });
    const lock = acquireDataDirLock(dir, io(200, { 200: T0 }));
    expect(lock.tookOverFrom).toMatchObject({ pid: 100 });
    expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: 200 });
  });

  it('takes over when the pid now belongs to a process that started much later (pid reused)', () => {
    const dir = dataDir();
    held(dir, { pid: 100, startedAt: T0.toISOString(), host: 'h1' });
    const later = new Date(T0.getTime() + 3_600_000);
    expect(acquireDataDirLock(dir, io(200, { 100: later, 200: later })).tookOverFrom).toMatchObject({
      pid: 100,
    });
  });

  it('takes over a lock holding its own pid (a restarted container) and an unreadable one', () => {
    const a = dataDir();
    held(a, { pid: 1, startedAt: T0.toISOString(), host: 'h1' });
    expect(acquireDataDirLock(a, io(1, { 1: T0 })).tookOverFrom).toMatchObject({ pid: 1 });
    const b = dataDir();
    writeFileSync(join(b, 'gateway.lock'), '{"pid": 1');
    expect(JSON.parse(readFileSync(acquireDataDirLock(b, io(7, {})).file, 'utf8'))).toMatchObject({ pid: 7 });
  });

  it('does not guess about another host: refuses, and names the file to delete if that gateway is gone', () => {
    const dir = dataDir();
    held(dir, { pid: 100, startedAt: T0.toISOString(), host: 'other' });
    expect(() => acquireDataDirLock(dir, io(200, {}))).toThrow(/on host other.*delete .*gateway\.lock/);
  });

  it('leaves a lock that another process took meanwhile', () => {
    const dir = dataDir();
    const mine = acquireDataDirLock(dir, io(100, { 100: T0 }));
    held(dir, { pid: 300, startedAt: T0.toISOString(), host: 'h1' });
    mine.release();
    expect(JSON.parse(readFileSync(mine.file, 'utf8'))).toMatchObject({ pid: 300 });
  });
});
