import type { PrismaClient } from '../generated/prisma/client.js';

/** The client handed to a `$transaction` callback. Repos accept it so callers can compose one transaction. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export function withTransaction<T>(db: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
}
