import type { PrismaClient } from '../../generated/prisma/client.js';
import { enqueue } from '../../jobs/queue.js';
import type { JobContext } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import { type Cipher, sha256Hex } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { type Tx, withTransaction } from '../../store/tx.js';
import { readClaimsUnverified } from '../auth/clockify-token.js';
import { installationSetupJob, workspacePurgeJob } from './installation.jobs.js';
import type { InstallationsRepo, StoredInstallation, WebhookTokenInput } from './installations.repo.js';
import type {
  DeletedPayload,
  InstallationView,
  InstalledPayload,
  SettingsUpdatedPayload,
  StatusChangedPayload,
} from './installations.schemas.js';
import { applySettingsUpdate, defaultSettings, readSettings } from './settings.js';

/** Something a later feature does once a workspace is installed (bootstrap, webhook registration). */
export type InstalledHook = (workspaceId: string, ctx: JobContext) => Promise<void>;
/** Deletes one kind of workspace data created before `before`; returns the rows removed. */
export type WorkspacePurger = (workspaceId: string, before: Date, tx: Tx) => Promise<number>;

type Deps = {
  db: PrismaClient;
  repo: InstallationsRepo;
  cipher: Cipher;
  clock: Clock;
  onInstalled?: InstalledHook[];
  purgers?: WorkspacePurger[];
  /** Run inside the DELETED transaction, before the credentials are removed (e.g. to schedule clean-up at Clockify). */
  onDeleting?: ((workspaceId: string, tx: Tx) => Promise<void>)[];
};

const URL_CLAIMS = ['backendUrl', 'reportsUrl', 'ptoUrl', 'locationsUrl', 'screenshotsUrl'] as const;
const WEBHOOK_PATH = /\/webhooks\/clockify\/([A-Z_]+)\/?$/;

export function createInstallationsService(deps: Deps) {
  const { db, repo, cipher, clock } = deps;

  async function requireInstalled(workspaceId: string): Promise<StoredInstallation> {
    const inst = await repo.get(workspaceId);
    if (inst === null || inst.status === 'DELETED') {
      throw new AppError('INSTALLATION_NOT_FOUND', `Workspace ${workspaceId} has no installation`);
    }
    return inst;
  }

  async function view(inst: StoredInstallation): Promise<InstallationView> {
    return {
      workspaceId: inst.workspaceId,
      addonId: inst.addonId,
      status: inst.status,
      apiUrl: inst.apiUrl,
      apiUrls: (inst.apiUrls ?? {}) as Record<string, string>,
      installedByUserId: inst.installedByUserId,
      addonUserId: inst.addonUserId,
      settings: defaultsMerged(inst.settings),
      installedAt: inst.installedAt.toISOString(),
      updatedAt: inst.updatedAt.toISOString(),
      webhookCount: await repo.countWebhookTokens(inst.workspaceId),
    };
  }

  return {
    requireInstalled,
    view,

    async installed(body: InstalledPayload): Promise<InstallationView> {
      const claims = readClaimsUnverified(body.authToken);
      if (claims === null) {
        throw new AppError('VALIDATION_FAILED', 'body.authToken: not a JWT', {
          details: { field: 'authToken' },
        });
      }
      const apiUrls: Record<string, string> = {};
      for (const name of URL_CLAIMS) {
        const v = claims[name];
        if (typeof v === 'string' && /^https?:\/\//.test(v)) apiUrls[name] = v.replace(/\/+$/, '');
      }
      const tokens: WebhookTokenInput[] = body.webhooks.map((w) => {
        const path = pathOf(w.path);
        return { path, event: WEBHOOK_PATH.exec(path)?.[1] ?? null, tokenHash: sha256Hex(w.authToken) };
      });
      const now = clock.now();
      const inst = await withTransaction(db, async (tx) => {
        const row = await repo.upsert(
          {
            workspaceId: body.workspaceId,
            addonId: body.addonId,
            tokenEncrypted: cipher.encrypt(body.authToken),
            apiUrl: body.apiUrl.replace(/\/+$/, ''),
            apiUrls,
            installedByUserId: body.asUser ?? null,
            addonUserId: body.addonUserId ?? null,
            settings: defaultSettings(),
            installedAt: now,
          },
          tx,
        );
        await repo.replaceWebhookTokens(body.workspaceId, dedupeByPath(tokens), tx);
        // A replayed INSTALLED carries the same token: the dedupe key makes the replay trigger nothing new.
        await enqueue(
          tx,
          installationSetupJob,
          { workspaceId: body.workspaceId },
          {
            workspaceId: body.workspaceId,
            dedupeKey: `installation.setup:${body.workspaceId}:${sha256Hex(body.authToken).slice(0, 32)}`,
          },
        );
        return row;
      });
      return view(inst);
    },

    async statusChanged(body: StatusChangedPayload): Promise<InstallationView> {
      await requireInstalled(body.workspaceId);
      await repo.setStatus(body.workspaceId, body.status, clock.now());
      return view(await requireInstalled(body.workspaceId));
    },

    async settingsUpdated(body: SettingsUpdatedPayload): Promise<InstallationView> {
      const inst = await requireInstalled(body.workspaceId);
      const result = applySettingsUpdate(inst.settings, body.settings);
      if (!result.ok) {
        throw new AppError(
          'SETTINGS_INVALID',
          result.problems.map((p) => `${p.id}: ${p.message}`).join('; '),
          {
            details: { problems: result.problems },
          },
        );
      }
      await repo.setSettings(body.workspaceId, result.settings);
      return view(await requireInstalled(body.workspaceId));
    },

    async deleted(body: DeletedPayload): Promise<{ workspaceId: string; status: 'DELETED' }> {
      const inst = await repo.get(body.workspaceId);
      if (inst === null)
        throw new AppError('INSTALLATION_NOT_FOUND', `Workspace ${body.workspaceId} has no installation`);
      if (inst.status !== 'DELETED') {
        const now = clock.now();
        await withTransaction(db, async (tx) => {
          for (const hook of deps.onDeleting ?? []) await hook(body.workspaceId, tx);
          await repo.markDeleted(body.workspaceId, now, tx);
          await enqueue(tx, workspacePurgeJob, {
            workspaceId: body.workspaceId,
            deletedAt: now.toISOString(),
          });
        });
      }
      return { workspaceId: body.workspaceId, status: 'DELETED' };
    },

    /** Job handler for installation.setup. */
    async runSetup(workspaceId: string, ctx: JobContext): Promise<void> {
      const inst = await repo.get(workspaceId);
      if (inst === null || inst.status === 'DELETED') return; // uninstalled before setup ran
      for (const hook of deps.onInstalled ?? []) await hook(workspaceId, ctx);
    },

    /**
     * Job handler for workspace.purge. Safe to run twice: it only deletes. A job of the workspace still
     * running could write after the purge, so the purge waits (fails and retries) until none is.
     */
    async purge(
      workspaceId: string,
      deletedAt: Date,
    ): Promise<{ rows: number; installationRemoved: boolean }> {
      const running = await db.job.count({ where: { workspaceId, status: 'running' } });
      if (running > 0) throw new Error(`workspace ${workspaceId} still has ${running} running job(s)`);
      let rows = 0;
      for (const purger of deps.purgers ?? []) {
        rows += await withTransaction(db, (tx) => purger(workspaceId, deletedAt, tx));
      }
      const installationRemoved = await withTransaction(db, (tx) =>
        repo.deleteIfStillDeleted(workspaceId, deletedAt, tx),
      );
      return { rows, installationRemoved };
    },

    /** The installation token, for the Clockify client. Null when not installed or deleted. */
    async installationToken(workspaceId: string): Promise<string | null> {
      const inst = await repo.get(workspaceId);
      return inst?.tokenEncrypted ? cipher.decrypt(inst.tokenEncrypted) : null;
    },

    async settingsOf(workspaceId: string) {
      return readSettings((await requireInstalled(workspaceId)).settings);
    },
  };
}
export type InstallationsService = ReturnType<typeof createInstallationsService>;

function defaultsMerged(stored: unknown): Record<string, number | boolean> {
  const r = applySettingsUpdate(stored, []);
  return r.ok ? r.settings : defaultSettings();
}

/** Clockify sends the full webhook URL; we key tokens by its path. */
function pathOf(pathOrUrl: string): string {
  try {
    return new URL(pathOrUrl).pathname;
  } catch {
    return pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
  }
}

function dedupeByPath(tokens: WebhookTokenInput[]): WebhookTokenInput[] {
  return [...new Map(tokens.map((t) => [t.path, t])).values()];
}
