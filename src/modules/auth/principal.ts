/** Who is calling the admin API, and for which workspace. The workspace always comes from the credential. */
export type Principal = {
  workspaceId: string;
  canWrite: boolean;
  via: 'user-token' | 'api-key';
  userId: string | null;
  role: string | null;
  apiKeyId: string | null;
};

/**
 * Every name Clockify gives a workspace owner or admin (docs/adr/0004-admin-authentication.md):
 * `OWNER` and `WORKSPACE_ADMIN` are the role enums of its API (`GET /v1/workspaces?roles=`,
 * `GetUsersRequestV1.roles`, `RoleRequestV1.role`); `ADMIN` was accepted from the start and can name no
 * other role. Exact names: a spelling Clockify does not use is not an owner's or an admin's.
 */
export const OWNER_OR_ADMIN_ROLES: ReadonlySet<string> = new Set(['OWNER', 'ADMIN', 'WORKSPACE_ADMIN']);

/** Owners and admins may change configuration; every other role may only read. */
export const isOwnerOrAdmin = (role: string | null | undefined): boolean =>
  role !== null && role !== undefined && OWNER_OR_ADMIN_ROLES.has(role);
