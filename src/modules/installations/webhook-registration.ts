import type { ClockifyResult } from '../../integrations/clockify/clockify.errors.js';
import { CLOCKIFY_WEBHOOK_EVENTS, clockifyWebhookPath } from '../../integrations/clockify/webhook-events.js';
import type { JobContext } from '../../jobs/runner.js';
import { sha256Hex } from '../../platform/crypto.js';
import type { ClockifyConnection } from './clockify-connection.js';
import type { InstallationsRepo } from './installations.repo.js';

/** The slice of the Clockify client registration needs (connect → call), so tests can use the fake Clockify. */
export type ClockifyCaller = {
  connect(conn: ClockifyConnection): {
    call(
      operationId: string,
      input?: { pathParams?: Record<string, string>; body?: unknown },
      opts?: { signal?: AbortSignal },
    ): Promise<ClockifyResult>;
  };
};

export type WebhookRegistrar = {
  /** installation.setup hook: registers every configured event that has no token row yet. */
  register(workspaceId: string, ctx: JobContext): Promise<{ registered: string[]; reused: string[] }>;
  /** Best effort, after DELETED: deletes the given Clockify webhooks. */
  deregister(input: { conn: ClockifyConnection; webhookIds: string[] }, ctx: JobContext): Promise<number>;
};

type Deps = {
  repo: Pick<InstallationsRepo, 'webhookTokenEvents' | 'saveWebhookToken'>;
  clockify: ClockifyCaller;
  /** The workspace's Clockify connection; null when it is not installed (or was deleted). */
  connection(workspaceId: string): Promise<ClockifyConnection | null>;
  publicBaseUrl: string;
  /** Events to register through the API (the ones the manifest does not declare). */
  events: readonly string[];
};

type ClockifyWebhook = { id?: unknown; url?: unknown; webhookEvent?: unknown; authToken?: unknown };

/**
 * Registers the events the manifest cannot declare through `POST /v1/workspaces/{id}/webhooks`, one
 * webhook (so one token) per event and path. Idempotent: events that already have a token row are
 * skipped, and a webhook that already exists at Clockify for our URL and event (a crash between
 * Clockify's answer and our insert, or a reinstall) is reused instead of created twice.
 */
export function createWebhookRegistrar(deps: Deps): WebhookRegistrar {
  const urlOf = (event: string) => `${deps.publicBaseUrl}${clockifyWebhookPath(event)}`;

  return {
    async register(workspaceId, ctx) {
      const conn = await deps.connection(workspaceId);
      if (conn === null) return { registered: [], reused: [] };
      const have = await deps.repo.webhookTokenEvents(workspaceId);
      const wanted = deps.events.filter((e) => !have.has(e));
      if (wanted.length === 0) return { registered: [], reused: [] };

      const api = deps.clockify.connect(conn);
      const listed = await api.call('getWebhooks', {}, { signal: ctx.signal });
      // Without the list we could create a second webhook for an event: retry the job later instead.
      if (!listed.ok) throw new Error(`could not list the workspace's webhooks (${listed.kind})`);
      const existing: ClockifyWebhook[] =
        typeof listed.body === 'object' &&
        listed.body !== null &&
        Array.isArray((listed.body as { webhooks?: unknown }).webhooks)
          ? (listed.body as { webhooks: ClockifyWebhook[] }).webhooks
          : [];

      const registered: string[] = [];
      const reused: string[] = [];
      const failed: string[] = [];
      for (const event of wanted) {
        const url = urlOf(event);
        let hook = existing.find(
          (w) => w.url === url && w.webhookEvent === event && typeof w.authToken === 'string',
        );
        if (hook !== undefined) reused.push(event);
        else {
          const r = await api.call(
            'createWebhook',
            {
              body: {
                name: `Gateway ${event}`.slice(0, 30),
                url,
                webhookEvent: event,
                triggerSourceType: 'WORKSPACE_ID',
                triggerSource: [workspaceId],
              },
            },
            { signal: ctx.signal },
          );
          if (
            !r.ok ||
            typeof r.body !== 'object' ||
            r.body === null ||
            typeof (r.body as ClockifyWebhook).authToken !== 'string'
          ) {
            failed.push(event);
            ctx.log.warn(
              { event, kind: r.ok ? 'no-token' : r.kind, status: r.status },
              'webhook registration failed',
            );
            continue;
          }
          hook = r.body;
          registered.push(event);
        }
        // One row per event at once, so a retry after a partial failure skips what is done.
        await deps.repo.saveWebhookToken(workspaceId, {
          path: clockifyWebhookPath(event),
          event,
          tokenHash: sha256Hex(String(hook.authToken)),
          clockifyWebhookId: typeof hook.id === 'string' ? hook.id : null,
        });
      }
      ctx.log.info(
        { registered: registered.length, reused: reused.length, failed: failed.length },
        'clockify webhooks registered',
      );
      // Throwing makes the job retry the rest later (with backoff); what succeeded is kept.
      if (failed.length > 0)
        throw new Error(`could not register ${failed.length} webhook(s): ${failed.join(', ')}`);
      return { registered, reused };
    },

    async deregister(input, ctx) {
      const api = deps.clockify.connect(input.conn);
      let deleted = 0;
      for (const webhookId of input.webhookIds) {
        const r = await api.call('deleteWebhook', { pathParams: { webhookId } }, { signal: ctx.signal });
        if (r.ok) deleted++;
        else ctx.log.info({ webhookId, kind: r.kind }, 'webhook not deleted at Clockify (best effort)');
      }
      return deleted;
    },
  };
}

/** Splits the 51 events into manifest-declared and API-registered, from config. */
export function planClockifyWebhooks(
  manifestEvents: readonly string[],
  registerEvents: 'rest' | 'none' | readonly string[],
) {
  const manifest = CLOCKIFY_WEBHOOK_EVENTS.filter((e) => manifestEvents.includes(e));
  const register =
    registerEvents === 'none'
      ? []
      : registerEvents === 'rest'
        ? CLOCKIFY_WEBHOOK_EVENTS.filter((e) => !manifest.includes(e))
        : CLOCKIFY_WEBHOOK_EVENTS.filter((e) => registerEvents.includes(e) && !manifest.includes(e));
  return { manifest, register };
}
