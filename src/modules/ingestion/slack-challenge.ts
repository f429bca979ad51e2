import type { Scheme } from './source-config.js';

/** Slack's challenges are short tokens; anything far larger is not Slack. */
const MAX_CHALLENGE = 1024;

/**
 * Slack's Events API `url_verification` handshake: `{ "type": "url_verification", "challenge": "…" }`
 * must be answered with the challenge. Only meaningful for a Slack source and only after its
 * signature verified; the scheme argument makes the first condition impossible to forget.
 * Returns the challenge to echo, or null when this is not a handshake.
 */
export function slackChallenge(scheme: Scheme, json: unknown): string | null {
  if (scheme !== 'slack' || typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const { type, challenge } = json as { type?: unknown; challenge?: unknown };
  if (type !== 'url_verification' || typeof challenge !== 'string') return null;
  return challenge.length > 0 && challenge.length <= MAX_CHALLENGE ? challenge : null;
}
