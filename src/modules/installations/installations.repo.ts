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
  settings: Record<string, number | boolean>;
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

    /** INSTALLED, first time or again: one row per workspace, tokens and settings replaced. */
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

    async setStatus(workspaceId: string, status: InstallationStatus, at: Date): Promise<void> {
      await db.installation.update({ where: { workspaceId }, data: { status, statusChangedAt: at } });
    },

    async setSettings(workspaceId: string, settings: Record<string, number | boolean>): Promise<void> {
      await db.installation.update({ where: { workspaceId }, data: { settings } });
    },

    /** DELETED: every credential goes at once; the rest of the data is purged by a job. */
    async markDeleted(workspaceId: string, at: Date, tx: Tx): Promise<void> {
      await tx.installation.update({
        where: { workspaceId },
        data: { status: 'DELETED', tokenEncrypted: null, deletedAt: at, statusChangedAt: at },
      });
      await tx.clockifyWebhookToken.deleteMany({ where: { workspaceId } });
      await tx.adminApiKey.deleteMany({ where: { workspaceId } });
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
