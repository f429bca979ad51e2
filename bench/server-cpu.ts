import { readFileSync } from 'node:fs';
import type pg from 'pg';

/**
 * CPU seconds used so far by the PostgreSQL processes serving `database` (Linux, same machine): summed
 * over the backends connected now, so compare two readings taken while the same pool is open.
 */
export async function serverCpuSeconds(admin: pg.Client, database: string): Promise<number> {
  const pids = (
    await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database])
  ).rows;
  let ticks = 0;
  for (const { pid } of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile, or not on this machine
    }
  }
  return ticks / 100;
}
