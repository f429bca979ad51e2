/**
 * The gate in front of every explorer call that may change Clockify data (`isWriteOperation`: every
 * non-GET except the read-only searches and reports). In order:
 * 1. the workspace setting `explorer_allow_writes` must be on → else 403, naming the setting;
 * 2. the credential must be allowed to write (OWNER/ADMIN user token or a write-enabled API key) →
 *    else 403;
 * 3. the request must carry the confirmation phrase `"<METHOD> <path with values>"`, e.g.
 *    `DELETE /v1/workspaces/abc/projects/p1` → else **422** with the code `CONFIRMATION_REQUIRED` (not
 *    `INPUT_INVALID`) and the expected phrase, so a UI can tell "ask the user to confirm" from "fix the
 *    fields" by the code. A wrong phrase is the same case (it confirms another call).
 *
 * Every write needs the phrase, not only DELETEs: a PUT replaces, `PATCH …/webhooks/{id}/token`
 * invalidates a token, `PUT …/users/{id}` deactivates a member. Where to draw a "destructive" line
 * would be guesswork; a typed or clicked confirmation is cheap.
 */
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import { isWriteOperation } from './operation-scope.js';

/** The workspace setting that enables writes from the explorer (to be added to the settings table). */
export const ALLOW_WRITES_SETTING = 'explorer_allow_writes';

/** The path with its values filled in (raw, as typed); a missing value stays `{name}`. */
export function fillPath(pathTemplate: string, pathParams: Record<string, string>): string {
  return pathTemplate.replace(/\{([^}]+)\}/g, (whole, name: string) => pathParams[name] ?? whole);
}

/** `"DELETE /v1/workspaces/abc/projects/p1"`: what a caller confirms a write with. */
export function confirmPhrase(
  op: Pick<ClockifyOperation, 'method' | 'path'>,
  pathParams: Record<string, string>,
): string {
  return `${op.method} ${fillPath(op.path, pathParams)}`;
}

export type WriteDenial =
  | { reason: 'writes-disabled'; status: 403; setting: string; message: string }
  | { reason: 'read-only-credential'; status: 403; message: string }
  | {
      reason: 'confirmation-required' | 'confirmation-mismatch';
      status: 422;
      expectedConfirm: string;
      message: string;
    };

export type WriteCheck = { ok: true; write: boolean } | ({ ok: false } & WriteDenial);

export function checkWrite(input: {
  op: Pick<ClockifyOperation, 'operationId' | 'method' | 'path'>;
  /** The workspace's `explorer_allow_writes` setting. */
  allowWrites: boolean;
  /** The principal's `canWrite`. */
  canWrite: boolean;
  /** The phrase the caller sent, if any. */
  confirm?: string | null;
  /** Validated path parameters (workspaceId included), for the expected phrase. */
  pathParams: Record<string, string>;
}): WriteCheck {
  const { op } = input;
  if (!isWriteOperation(op)) return { ok: true, write: false };
  if (!input.allowWrites)
    return {
      ok: false,
      reason: 'writes-disabled',
      status: 403,
      setting: ALLOW_WRITES_SETTING,
      message: `Calls that change Clockify data are turned off for this workspace (setting "${ALLOW_WRITES_SETTING}")`,
    };
  if (!input.canWrite)
    return {
      ok: false,
      reason: 'read-only-credential',
      status: 403,
      message:
        'This credential may only read: writes need a workspace owner or admin, or a write-enabled API key',
    };
  const expected = confirmPhrase(op, input.pathParams);
  const given = input.confirm?.trim();
  if (given === undefined || given === '')
    return {
      ok: false,
      reason: 'confirmation-required',
      status: 422,
      expectedConfirm: expected,
      message: `${op.operationId} changes Clockify data: confirm with "${expected}"`,
    };
  if (given !== expected)
    return {
      ok: false,
      reason: 'confirmation-mismatch',
      status: 422,
      expectedConfirm: expected,
      message: `The confirmation does not match this request: expected "${expected}"`,
    };
  return { ok: true, write: true };
}
