import type { JobRecords } from '../../jobs/job-records.js';
import { enqueue } from '../../jobs/queue.js';
import type { JobContext } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import { type Cipher, sha256Hex } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { createTtlCache } from '../../platform/ttl-cache.js';
import type { Db } from '../../store/database.js';
import { type Tx, withTransaction } from '../../store/tx.js';
import { readClaimsUnverified } from '../auth/clockify-token.js';
import { type ClockifyConnection, clockifyBaseUrls } from './clockify-connection.js';
import {
  clockifyWebhooksDeregisterJob,
  installationSetupJob,
  workspacePurgeJob,
} from './installation.jobs.js';
import {
  type InstallationsRepo,
  type StoredInstallation,
  type WebhookTokenInput,
  liveWorkspacesSql,
} from './installations.repo.js';
import type {
  DeletedPayload,
  InstallationView,
  InstalledPayload,
  SettingsUpdatedPayload,
  StatusChangedPayload,
} from './installations.schemas.js';
import { applySettingsUpdate, defaultSettings, readSettings } from './settings.js';
import type { DeletionStep, SetupStep, WorkspacePurger } from './workspace-lifecycle.js';

type Deps = {
  db: Db;
  repo: InstallationsRepo;
  cipher: Cipher;
  clock: Clock;
  jobs: Pick<JobRecords, 'countRunning'>;
  /** Other modules' credentials that go in the DELETED transaction (admin API keys). */
  deletionSteps: readonly DeletionStep[];
};

/** A Clockify workspace as the webhook endpoint sees it: live or not, and its token hashes by event. */
export type WebhookAuth = { live: boolean; hashes: Map<string, Set<string>> };
const isLive = (ws: WebhookAuth) => ws.live;

/**
 * Names one installation (one installation token) without the token: the set-up job's dedupe key and the
 * bootstrap it starts use it, so each happens once per installation however often INSTALLED or the
 * set-up is retried.
 */
export const installationKeyOf = (installationToken: string): string =>
  sha256Hex(installationToken).slice(0, 32);

const URL_CLAIMS = ['backendUrl', 'reportsUrl', 'ptoUrl', 'locationsUrl', 'screenshotsUrl'] as const;
const WEBHOOK_PATH = /\/webhooks\/clockify\/([A-Z_]+)\/?$/;

export function createInstallationsService(deps: Deps) {
  const { db, repo, cipher, clock } = deps;
  // Webhook tokens per workspace, for the webhook hot path: a request costs no query. Only live workspaces
  // are cached (an unknown one may be installing right now); this instance evicts on every change, and the
  // 2 s TTL bounds how long another instance's change goes unseen (the insert re-checks the installation).
  const webhookAuthCache = createTtlCache<WebhookAuth>({ max: 10_000, ttlMs: 2_000 });
  async function loadWebhookAuth(workspaceId: string): Promise<WebhookAuth> {
    const inst = await repo.get(workspaceId);
    if (inst === null || inst.status === 'DELETED') return { live: false, hashes: new Map() };
    return { live: true, hashes: await repo.webhookTokenHashes(workspaceId) };
  }

  async function requireInstalled(workspaceId: string): Promise<StoredInstallation> {
    const inst = await repo.get(workspaceId);
    if (inst === null || inst.status === 'DELETED') {
      throw new AppError('INSTALLATION_NOT_FOUND', `Workspace ${workspaceId} has no installation`);
    }
    return inst;
  }

  /**
   * A lifecycle hook must be for the add-on that is installed: the body's `addonId` (which the route has
   * already matched with the token's) must be the stored installation's. A deleted installation is
   * history: a new INSTALLED may replace it.
   */
  function requireSameAddon(inst: StoredInstallation | null, addonId: string): void {
    if (inst !== null && inst.status !== 'DELETED' && inst.addonId !== addonId) {
      throw new AppError('SIGNATURE_INVALID', 'Lifecycle call for another add-on than the installed one');
    }
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

  function isSameInstallation(
    existing: StoredInstallation | null,
    authToken: string,
  ): existing is StoredInstallation {
    if (existing === null || existing.status === 'DELETED' || existing.tokenEncrypted === null) return false;
    return cipher.decrypt(existing.tokenEncrypted) === authToken;
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
        const existing = await repo.getForUpdate(body.workspaceId, tx);
        requireSameAddon(existing, body.addonId);
        // Clockify retries deliveries. The same installation token means the same installation: its state
        // since then (webhooks registered through the API, settings, status, set-up progress) is kept as
        // it is. A new token is a reinstall, below.
        if (isSameInstallation(existing, body.authToken)) return existing;
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
        // One set-up per installation token (a replay that raced the first delivery's commit adds none).
        await enqueue(
          tx,
          installationSetupJob,
          { workspaceId: body.workspaceId },
          {
            workspaceId: body.workspaceId,
            dedupeKey: `installation.setup:${body.workspaceId}:${installationKeyOf(body.authToken)}`,
          },
        );
        return row;
      });
      webhookAuthCache.delete(body.workspaceId);
      return view(inst);
    },

    async statusChanged(body: StatusChangedPayload): Promise<InstallationView> {
      requireSameAddon(await requireInstalled(body.workspaceId), body.addonId);
      await repo.setStatus(body.workspaceId, body.status, clock.now());
      return view(await requireInstalled(body.workspaceId));
    },

    async settingsUpdated(body: SettingsUpdatedPayload): Promise<InstallationView> {
      const inst = await requireInstalled(body.workspaceId);
      requireSameAddon(inst, body.addonId);
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
      requireSameAddon(inst, body.addonId);
      if (inst.status !== 'DELETED') {
        const now = clock.now();
        await withTransaction(db, async (tx) => {
          await scheduleDeregistration(body.workspaceId, tx);
          await repo.markDeleted(body.workspaceId, now, tx);
          for (const step of deps.deletionSteps) await step.run(body.workspaceId, tx);
          await enqueue(tx, workspacePurgeJob, {
            workspaceId: body.workspaceId,
            deletedAt: now.toISOString(),
          });
        });
        webhookAuthCache.delete(body.workspaceId);
      }
      return { workspaceId: body.workspaceId, status: 'DELETED' };
    },

    /** Job handler for installation.setup: every module's set-up step, in order. */
    async runSetup(workspaceId: string, steps: readonly SetupStep[], ctx: JobContext): Promise<void> {
      const inst = await repo.get(workspaceId);
      if (inst === null || inst.status === 'DELETED') return; // uninstalled before setup ran
      for (const step of steps) {
        await step.run(workspaceId, ctx);
        webhookAuthCache.delete(workspaceId); // a step may have added webhook tokens
      }
    },

    /**
     * Job handler for workspace.purge. Safe to run twice: it only deletes. A job of the workspace still
     * running could write after the purge, so the purge waits (fails and retries) until none is.
     */
    async purge(
      workspaceId: string,
      deletedAt: Date,
      purgers: readonly WorkspacePurger[],
    ): Promise<{ rows: number; installationRemoved: boolean }> {
      const running = await deps.jobs.countRunning(workspaceId);
      if (running > 0) throw new Error(`workspace ${workspaceId} still has ${running} running job(s)`);
      let rows = 0;
      for (const purger of purgers) {
        rows += await withTransaction(db, (tx) => purger.purge(workspaceId, deletedAt, tx));
      }
      const installationRemoved = await withTransaction(db, (tx) =>
        repo.deleteIfStillDeleted(workspaceId, deletedAt, tx),
      );
      return { rows, installationRemoved };
    },

    async settingsOf(workspaceId: string) {
      return readSettings((await requireInstalled(workspaceId)).settings);
    },

    /** Every installation's typed settings (retention jobs apply each workspace's own values). */
    async allSettings() {
      return (await repo.allSettings()).map((r) => ({
        workspaceId: r.workspaceId,
        settings: readSettings(r.settings),
      }));
    },

    /**
     * For ingestion's one-statement batch insert: SQL selecting (workspace_id, active, accept_custom) of the
     * live installations among `workspaceIds` (see liveWorkspacesSql), with this module's setting default.
     */
    liveWorkspacesSql: (workspaceIds: string): string =>
      liveWorkspacesSql(workspaceIds, readSettings(undefined).webhooks.acceptCustom),

    /** Whether the workspace is installed and not deleted (a credential for any other is no credential). */
    async isLive(workspaceId: string): Promise<boolean> {
      const inst = await repo.get(workspaceId);
      return inst !== null && inst.status !== 'DELETED';
    },

    /**
     * The workspace's Clockify connection, read once: base URLs (see clockifyBaseUrls), the installation
     * token and the workspace's rate. Null when it is not installed, deleted, or has no token.
     */
    async clockifyConnection(workspaceId: string): Promise<ClockifyConnection | null> {
      const inst = await repo.get(workspaceId);
      if (inst === null || inst.status === 'DELETED' || inst.tokenEncrypted === null) return null;
      return {
        workspaceId,
        token: cipher.decrypt(inst.tokenEncrypted),
        ...clockifyBaseUrls({ apiUrl: inst.apiUrl, apiUrls: (inst.apiUrls ?? {}) as Record<string, string> }),
        ratePerSecond: readSettings(inst.settings).bootstrap.maxRequestsPerSecond,
      };
    },

    /**
     * For the Clockify webhook endpoint: whether the workspace is live and its token hashes by event, from a
     * short cache. `fresh` reads the database (a token just registered may not be cached yet).
     */
    async webhookAuth(workspaceId: string, fresh = false): Promise<WebhookAuth> {
      if (!fresh) return webhookAuthCache.getOrLoad(workspaceId, () => loadWebhookAuth(workspaceId), isLive);
      const auth = await loadWebhookAuth(workspaceId);
      if (isLive(auth)) webhookAuthCache.set(workspaceId, auth);
      return auth;
    },
  };

  /** Inside the DELETED transaction, while the token still exists: schedule removing our API-made webhooks. */
  async function scheduleDeregistration(workspaceId: string, tx: Tx): Promise<void> {
    const inst = await repo.get(workspaceId, tx);
    const webhookIds = await repo.registeredWebhookIds(workspaceId, tx);
    if (inst?.tokenEncrypted == null || webhookIds.length === 0) return;
    await enqueue(
      tx,
      clockifyWebhooksDeregisterJob,
      {
        workspaceId,
        apiUrl: clockifyBaseUrls({
          apiUrl: inst.apiUrl,
          apiUrls: (inst.apiUrls ?? {}) as Record<string, string>,
        }).apiUrl,
        webhookIds,
        tokenEncrypted: inst.tokenEncrypted,
      },
      { workspaceId },
    );
  }
}
export type InstallationsService = ReturnType<typeof createInstallationsService>;

function defaultsMerged(stored: unknown): Record<string, number | boolean | string> {
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
