/** Everything a Clockify call for one workspace needs: base URLs, the installation token, the rate. */
export type ClockifyConnection = {
  workspaceId: string;
  token: string;
  apiUrl: string;
  reportsUrl?: string;
  /** The workspace's Clockify calls per second (its `bootstrap_max_rps` setting). */
  ratePerSecond: number;
};

/**
 * Which base URLs a workspace's calls use. The backend comes from the installation token's `backendUrl`
 * claim when it has one, else from INSTALLED's `apiUrl` field: the token is signed by Clockify, while the
 * body of the lifecycle request is not (the lifecycle JWT covers neither), so the claim is the stronger
 * evidence (PLATFORM.md §4: "always use the URL claims, or the apiUrl field"). Reports use the
 * `reportsUrl` claim when there is one; otherwise the client derives them from the backend. Pure.
 */
export function clockifyBaseUrls(stored: { apiUrl: string; apiUrls: Record<string, string | undefined> }): {
  apiUrl: string;
  reportsUrl?: string;
} {
  const reportsUrl = stored.apiUrls.reportsUrl;
  return { apiUrl: stored.apiUrls.backendUrl ?? stored.apiUrl, ...(reportsUrl ? { reportsUrl } : {}) };
}
