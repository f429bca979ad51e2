/**
 * One process per embedded DATA_DIR (#11), with real processes: a second gateway on a folder a running
 * one holds is refused in one line; after the holder is killed (-9, no clean-up), the next start takes over.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, freePort, spawnGateway, tempDir } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait-for.js';

const running: GatewayProcess[] = [];
const dir = tempDir('gw-lockp-');
afterAll(() => {
  running.forEach((g) => g.child.kill('SIGKILL'));
  dir.remove();
});
const lockFile = join(dir.path, 'gateway.lock');
/** The lock holder's pid; 0 while there is no lock file or it is being written (created empty, then filled). */
const lockPid = () => {
  if (!existsSync(lockFile)) return 0;
  try {
    return (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number }).pid;
  } catch {
    return 0;
  }
};

describe('one gateway per embedded DATA_DIR', { timeout: 120_000 }, () => {
  it('refuses a second process, and lets the next one take over after the first crashed', async () => {
    const first = spawnGateway({ DATA_DIR: dir.path, PORT: String(await freePort()) });
    running.push(first);
    await waitFor(() => lockPid() === first.child.pid, {
      timeoutMs: 60_000,
      what: 'the first gateway holds the lock',
    });

    const second = spawnGateway({ DATA_DIR: dir.path, PORT: String(await freePort()) });
    expect(await second.exit).toBe(1);
    expect(second.output().trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^gateway: cannot start: DATA_DIR .* is in use by another gateway \\(pid ${first.child.pid}, started .*\\): stop that process first, or use DATABASE_URL \\(PostgreSQL\\) to run several instances$`,
        ),
      ),
    ]);

    first.child.kill('SIGKILL'); // a crash: the lock file stays behind
    await first.exit;
    expect(lockPid()).toBe(first.child.pid);

    const third = spawnGateway({ DATA_DIR: dir.path, PORT: String(await freePort()) });
    running.push(third);
    await waitFor(() => lockPid() === third.child.pid, {
      timeoutMs: 60_000,
      what: 'the stale lock taken over',
    });
    await waitFor(() => third.output().includes('took over the lock of a gateway that is gone'), {
      what: 'the take-over logged',
    });
    expect(third.output()).toContain(`"pid":${first.child.pid}`);
  });
});
