import { sha256Hex } from '../../platform/crypto.js';
import { CLOCKIFY_WEBHOOK_EVENTS } from '../../integrations/clockify/webhook-events.js';

/** Clockify sends no delivery id: a retry is the same event type with the same bytes. */
export const clockifyDedupKey = (event: string, rawBody: Buffer): string =>
  `c:${sha256Hex(Buffer.concat([Buffer.from(`${event}\n`), rawBody]))}`;

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
