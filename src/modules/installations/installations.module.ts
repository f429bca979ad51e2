import type { ClockifyClient } from '../../integrations/clockify/clockify.client.js';
import { type JobBinding, bindJob } from '../../jobs/bindings.js';
import type { JobRecords } from '../../jobs/job-records.js';
import type { Clock } from '../../platform/clock.js';
import type { Cipher } from '../../platform/crypto.js';
import type { Db } from '../../store/database.js';
import { clockifyWebhooksDeregisterJob } from './installation.jobs.js';
import { createInstallationsRepo } from './installations.repo.js';
import { createInstallationsService } from './installations.service.js';
import { readSettings } from './settings.js';
import { createWebhookRegistrar, planClockifyWebhooks } from './webhook-registration.js';
import type { DeletionStep, SetupStep } from './workspace-lifecycle.js';

export type InstallationsModuleConfig = {
  publicBaseUrl: string;
  manifestEvents: readonly string[];
  registerEvents: 'rest' | 'none' | readonly string[];
};

/**
 * Installations (docs/architecture.md): owner of `installation`, `clockify_webhook_token`. Lifecycle,
 * settings, the workspace's Clockify connection, and the webhooks the manifest cannot declare, which it
 * registers through Clockify's API at set-up and removes after DELETED.
 */
export function createInstallationsModule(deps: {
  db: Db;
  cipher: Cipher;
  clock: Clock;
  clockify: Pick<ClockifyClient, 'connect'>;
  jobs: Pick<JobRecords, 'countRunning' | 'dropPayloadKey'>;
  /** Other modules' credentials that go in the DELETED transaction (admin API keys). */
  deletionSteps: readonly DeletionStep[];
  config: InstallationsModuleConfig;
}) {
  const repo = createInstallationsRepo(deps.db);
  const service = createInstallationsService({
    db: deps.db,
    repo,
    cipher: deps.cipher,
    clock: deps.clock,
    jobs: deps.jobs,
    deletionSteps: deps.deletionSteps,
  });
  const plan = planClockifyWebhooks(deps.config.manifestEvents, deps.config.registerEvents);
  const registrar = createWebhookRegistrar({
    repo,
    clockify: deps.clockify,
    connection: (workspaceId) => service.clockifyConnection(workspaceId),
    publicBaseUrl: deps.config.publicBaseUrl,
    events: plan.register,
  });

  const registerWebhooks: SetupStep = {
    name: 'register-webhooks',
    run: async (workspaceId, ctx) => {
      await registrar.register(workspaceId, ctx);
    },
  };

  const jobs: JobBinding[] = [
    bindJob(clockifyWebhooksDeregisterJob, async (p, ctx) => {
      if (p.tokenEncrypted === undefined) return;
      const deleted = await registrar.deregister(
        {
          conn: {
            workspaceId: p.workspaceId,
            apiUrl: p.apiUrl,
            token: deps.cipher.decrypt(p.tokenEncrypted),
            ratePerSecond: readSettings(undefined).bootstrap.maxRequestsPerSecond,
          },
          webhookIds: p.webhookIds,
        },
        ctx,
      );
      // The credential has served its purpose: scrub it from the job row.
      await deps.jobs.dropPayloadKey(ctx.jobId, 'tokenEncrypted');
      ctx.log.info({ deleted, of: p.webhookIds.length }, 'clockify webhooks deregistered');
    }),
  ];

  return {
    service,
    registrar,
    /** The Clockify events the manifest declares (the rest are registered through the API). */
    manifestEvents: plan.manifest,
    jobs,
    setupSteps: [registerWebhooks],
  };
}
export type InstallationsModule = ReturnType<typeof createInstallationsModule>;
