import { readFileSync, readdirSync } from 'node:fs';
import {
  CLOCKIFY_WEBHOOK_EVENTS,
  clockifyWebhookPath,
} from '../../src/integrations/clockify/webhook-events.js';
import { sha256Hex } from '../../src/platform/crypto.js';
import { newId } from '../../src/platform/ids.js';
import { ADDON_KEY, type TestApp } from './build-test-app.js';
import { ADDON_ID } from './clockify.js';

const SAMPLES_DIR = 'test/fixtures/clockify/webhook-samples';
const samples = new Map(
  readdirSync(SAMPLES_DIR).map((f) => [
    f.replace(/\.json$/, ''),
    readFileSync(`${SAMPLES_DIR}/${f}`, 'utf8'),
  ]),
);

/** The event's sample payload (or a small synthetic one), with its top-level workspaceId set to `workspaceId`. */
export function samplePayload(event: string, workspaceId: string): Record<string, unknown> {
  const text = samples.get(event);
  if (text === undefined) return { id: `synthetic-${event.toLowerCase()}`, workspaceId, event };
  const body = JSON.parse(text) as Record<string, unknown>;
  return 'workspaceId' in body ? { ...body, workspaceId } : body;
}
export const hasSample = (event: string) => samples.has(event);

/**
 * Gives a workspace a token row for every event (what the manifest plus API registration yield), each
 * token a JWT signed like Clockify's. Returns event → token.
 */
export async function seedWebhookTokens(
  t: TestApp,
  workspaceId: string,
  events: readonly string[] = CLOCKIFY_WEBHOOK_EVENTS,
) {
  const tokens = new Map<string, string>();
  for (const event of events) {
    const token = await t.sign({ workspaceId, addonId: ADDON_ID, webhook: event }, { addonKey: ADDON_KEY });
    const path = clockifyWebhookPath(event);
    await t.db.prisma.clockifyWebhookToken.upsert({
      where: { workspaceId_path: { workspaceId, path } },
      create: { id: newId('wht'), workspaceId, path, event, tokenHash: sha256Hex(token) },
      update: { event, tokenHash: sha256Hex(token) },
    });
    tokens.set(event, token);
  }
  return tokens;
}

export function postClockify(
  t: TestApp,
  opts: {
    event: string;
    token: string;
    body: unknown;
    single?: boolean;
    headerEvent?: string | null;
    contentType?: string;
  },
) {
  const headerEvent = opts.headerEvent === undefined ? opts.event : opts.headerEvent;
  return t.app.inject({
    method: 'POST',
    url: opts.single ? '/webhooks/clockify' : `/webhooks/clockify/${opts.event}`,
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      'clockify-signature': opts.token,
      ...(headerEvent === null ? {} : { 'clockify-webhook-event-type': headerEvent }),
    },
    payload: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
}

export const eventCount = (t: TestApp, workspaceId: string) =>
  t.db.prisma.webhookEvent.count({ where: { workspaceId } });
export const processJobCount = (t: TestApp, workspaceId: string) =>
  t.db.prisma.job.count({ where: { workspaceId, name: 'event.process' } });
