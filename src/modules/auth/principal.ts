/** Who is calling the admin API, and for which workspace. The workspace always comes from the credential. */
export type Principal = {
  workspaceId: string;
  canWrite: boolean;
  via: 'user-token' | 'api-key';
  userId: string | null;
  role: string | null;
  apiKeyId: string | null;
};

/** Clockify roles that may change configuration; everyone else may only read. */
export const WRITE_ROLES = new Set(['OWNER', 'ADMIN']);
