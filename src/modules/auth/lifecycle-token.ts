import type { ClockifyClaims, VerifyResult } from './clockify-token.js';
import { isOwnerOrAdmin } from './principal.js';

/**
 * Why a verified Clockify token may not authorize a lifecycle hook, or null when it may. Pure.
 *
 * Every member's browser receives a user token (the add-on iframe's `auth_token`), signed by Clockify
 * like a lifecycle token and passing the same signature and claim checks. What sets it apart is the
 * `workspaceRole` it names: a token naming any role but an owner's or an admin's is one a member could
 * have obtained, so it is refused. The claims of genuine lifecycle tokens are not documented, so nothing
 * else is refused on: they may well carry `user`, `exp` or an owner's role (docs/adr/0004).
 */
export function lifecycleTokenRefusal(claims: ClockifyClaims): string | null {
  if (claims.workspaceRole !== undefined && !isOwnerOrAdmin(claims.workspaceRole))
    return 'a workspace member’s user token';
  return null;
}

/**
 * Why the installation token an INSTALLED body carries (`authToken`) is not one Clockify issued for this
 * installation, or null when it is: Clockify's signature and claims (like every Clockify token), this
 * workspace and add-on, and not a user token (installation tokens carry no `workspaceRole`, PLATFORM.md §4).
 */
export function installationTokenRefusal(
  verified: VerifyResult,
  body: { workspaceId: string; addonId: string },
): string | null {
  if (!verified.ok) return verified.reason;
  const c = verified.claims;
  if (c.workspaceId !== body.workspaceId) return 'issued for another workspace';
  if (c.addonId !== undefined && c.addonId !== body.addonId) return 'issued for another add-on';
  if (c.workspaceRole !== undefined) return 'a user token, not an installation token';
  return null;
}
