import type { Installation, InstallationStatus, PrismaClient } from '../../generated/prisma/client.js';
import { newId } from '../../platform/ids.js';
import type { Tx } from '../../store/tx.js';

export type StoredInstallation = Installation;

export type NewInstallation = {
  workspaceId: string;
  addonId: string;
  tokenEncrypted: string;
  apiUrl: string;
  apiUrls: Record<string, string>;
  installedByUserId: string | null;
  addonUserId: string | null;
  settings: Record<string, number | boolean | string>;
  installedAt: Date;
};

export type WebhookTokenInput = {
  path: string;
  event: string | null;
  tokenHash: string;
  clockifyWebhookId?: string | null;
};

export function createInstallationsRepo(db: PrismaClient) {
  return {
    get(workspaceId: string, tx: Tx | PrismaClient = db): Promise<StoredInstallation | null> {
      return tx.installation.findUnique({ where: { workspaceId } });
    },

    /** The installation, its row locked until `tx` ends (concurrent INSTALLEDs of a workspace queue up). */
    async getForUpdate(workspaceId: string, tx: Tx): Promise<StoredInstallation | null> {
      await tx.$executeRaw`SELECT 1 FROM installation WHERE workspace_id = ${workspaceId} FOR UPDATE`;
      return tx.installation.findUnique({ where: { workspaceId } });
    },

    /** INSTALLED with a new installation token (first install or reinstall): tokens and settings replaced. */
    async upsert(input: NewInstallation, tx: Tx): Promise<StoredInstallation> {
      const data = {
        addonId: input.addonId,
        status: 'ACTIVE' as const,
        tokenEncrypted: input.tokenEncrypted,
        apiUrl: input.apiUrl,
        apiUrls: input.apiUrls,
        installedByUserId: input.installedByUserId,
        addonUserId: input.addonUserId,
        settings: input.settings,
        installedAt: input.installedAt,
        statusChangedAt: input.installedAt,
        deletedAt: null,
      };
      return tx.installation.upsert({
        where: { workspaceId: input.workspaceId },
        create: { workspaceId: input.workspaceId, ...data },
        update: data,
      });
    },

    async replaceWebhookTokens(workspaceId: string, tokens: WebhookTokenInput[], tx: Tx): Promise<void> {
      await tx.clockifyWebhookToken.deleteMany({ where: { workspaceId } });
      if (tokens.length === 0) return;
      await tx.clockifyWebhookToken.createMany({
        data: tokens.map((t) => ({
          id: newId('wht'),
          workspaceId,
          ...t,
          clockifyWebhookId: t.clockifyWebhookId ?? null,
        })),
        skipDuplicates: true,
      });
    },

    countWebhookTokens(workspaceId: string): Promise<number> {
      return db.clockifyWebhookToken.count({ where: { workspaceId } });
    },

    /** The hashes of the workspace's webhook tokens, by event (a path without an event has none). */
    async webhookTokenHashes(workspaceId: string): Promise<Map<string, Set<string>>> {
      const rows = await db.clockifyWebhookToken.findMany({
        where: { workspaceId },
        select: { event: true, tokenHash: true },
      });
      const byEvent = new Map<string, Set<string>>();
      for (const r of rows) {
        if (r.event === null) continue;
        const set = byEvent.get(r.event) ?? new Set<string>();
        set.add(r.tokenHash);
        byEvent.set(r.event, set);
      }
      return byEvent;
    },

    /** The events that already have a webhook token (declared in the manifest or registered). */
    async webhookTokenEvents(workspaceId: string): Promise<Set<string | null>> {
      const rows = await db.clockifyWebhookToken.findMany({
        where: { workspaceId },
        select: { event: true },
      });
      return new Set(rows.map((r) => r.event));
    },

    /** One webhook the gateway registered through Clockify's API (or found there), by path. */
    async saveWebhookToken(workspaceId: string, token: Required<WebhookTokenInput>): Promise<void> {
      const { path, ...row } = token;
      await db.clockifyWebhookToken.upsert({
        where: { workspaceId_path: { workspaceId, path } },
        create: { id: newId('wht'), workspaceId, path, ...row },
        update: row,
      });
    },

    /** Ids (at Clockify) of the webhooks the gateway registered for the workspace through the API. */
    async registeredWebhookIds(workspaceId: string, tx: Tx | PrismaClient = db): Promise<string[]> {
      const rows = await tx.clockifyWebhookToken.findMany({
        where: { workspaceId, clockifyWebhookId: { not: null } },
        select: { clockifyWebhookId: true },
      });
      return rows.flatMap((r) => (r.clockifyWebhookId === null ? [] : [r.clockifyWebhookId]));
    },

    /** Every installation's stored settings (retention jobs read their per-workspace values). */
    allSettings(): Promise<{ workspaceId: string; settings: unknown }[]> {
      return db.installation.findMany({ select: { workspaceId: true, settings: true } });
    },

    async setStatus(workspaceId: string, status: InstallationStatus, at: Date): Promise<void> {
      await db.installation.update({ where: { workspaceId }, data: { status, statusChangedAt: at } });
    },

    async setSettings(
      workspaceId: string,
      settings: Record<string, number | boolean | string>,
    ): Promise<void> {
      await db.installation.update({ where: { workspaceId }, data: { settings } });
    },

    /** DELETED: every credential goes at once; the rest of the data is purged by a job. */
    async markDeleted(workspaceId: string, at: Date, tx: Tx): Promise<void> {
      await tx.installation.update({
        where: { workspaceId },
        data: { status: 'DELETED', tokenEncrypted: null, deletedAt: at, statusChangedAt: at },
      });
      await tx.clockifyWebhookToken.deleteMany({ where: { workspaceId } });
    },

    /** Removes the installation row (and its cascade) only if it is still the deletion being purged. */
    async deleteIfStillDeleted(workspaceId: string, deletedAt: Date, tx: Tx): Promise<boolean> {
      const { count } = await tx.installation.deleteMany({
        where: { workspaceId, status: 'DELETED', deletedAt: { lte: deletedAt } },
      });
      return count === 1;
    },
  };
}
export type InstallationsRepo = ReturnType<typeof createInstallationsRepo>;

/**
 * For the ingest batch statement (src/modules/ingestion/events.repo.ts), which must stay ONE statement:
 * a SELECT over `installation` giving, for each workspace named in `workspaceIds` (a SQL expression
 * yielding workspace ids) that is installed and not deleted, whether it is ACTIVE and whether it accepts
 * custom webhooks (its setting, or the setting's default). Kept here so the text that reads the table
 * lives with its owner.
 */
export function liveWorkspacesSql(workspaceIds: string, acceptCustomByDefault: boolean): string {
  return `SELECT i.workspace_id, (i.status = 'ACTIVE') AS active,
            COALESCE(i.settings->>'webhooks_accept_custom', '${String(acceptCustomByDefault)}') <> 'false'
              AS accept_custom
          FROM installation i
          WHERE i.workspace_id IN (${workspaceIds}) AND i.status <> 'DELETED'`;
}
