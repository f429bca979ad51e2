import type { JobContext } from '../../jobs/runner.js';
import type { Tx } from '../../store/tx.js';

/**
 * What other modules do over a workspace's life, handed to the composition root as data: a step of the
 * set-up after INSTALLED (register webhooks, start the bootstrap), a step inside the DELETED transaction,
 * and a purger of the rows a module keeps for the workspace (after DELETED). Installations runs them; it
 * does not know the modules.
 */
export type SetupStep = {
  /** Stable name: logs, and the record of which steps a set-up has completed. */
  name: string;
  /** Must be safe to run again: a set-up job can be retried or run twice. */
  run(workspaceId: string, ctx: JobContext): Promise<void>;
};

/**
 * Runs inside the DELETED transaction: for credentials another module keeps (admin API keys), which must
 * stop working at once, together with the installation's own tokens.
 */
export type DeletionStep = {
  name: string;
  run(workspaceId: string, tx: Tx): Promise<void>;
};

export type WorkspacePurger = {
  name: string;
  /** Deletes this module's rows of the workspace created before `before`; returns how many. */
  purge(workspaceId: string, before: Date, tx: Tx): Promise<number>;
};
