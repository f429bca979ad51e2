/**
 * Base URLs of an installation's Clockify servers. They come from the installation (stored `apiUrl`
 * and the token's URL claims), never from constants: regional and subdomain workspaces use other hosts.
 */
import type { ServerKind } from './classify-operation.js';

export type ClockifyBaseUrls = { apiUrl: string; reportsUrl?: string; auditLogUrl?: string };

const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * Reports base when the token had no `reportsUrl` claim:
 * `https://api.clockify.me/api` → `https://reports.api.clockify.me`;
 * regional `https://euc1.clockify.me/api` → `https://euc1.clockify.me/report` (PLATFORM.md §5).
 */
export function deriveReportsUrl(apiUrl: string): string {
  const u = new URL(trim(apiUrl));
  if (u.hostname.startsWith('api.')) {
    u.hostname = `reports.${u.hostname}`;
    u.pathname = u.pathname.replace(/\/api$/, '');
  } else {
    u.pathname = u.pathname.replace(/\/api$/, '') + '/report';
  }
  return trim(u.toString());
}

/** Audit-log base: only known for the global host (`auditlog-api.api.clockify.me`). */
export function deriveAuditLogUrl(apiUrl: string): string | undefined {
  const u = new URL(trim(apiUrl));
  if (!u.hostname.startsWith('api.')) return undefined;
  u.hostname = `auditlog-api.${u.hostname}`;
  u.pathname = u.pathname.replace(/\/api$/, '');
  return trim(u.toString());
}

export function baseUrlFor(kind: ServerKind, urls: ClockifyBaseUrls): string | undefined {
  switch (kind) {
    case 'api':
      return trim(urls.apiUrl);
    case 'reports':
      return trim(urls.reportsUrl ?? deriveReportsUrl(urls.apiUrl));
    case 'auditlog':
      return urls.auditLogUrl !== undefined ? trim(urls.auditLogUrl) : deriveAuditLogUrl(urls.apiUrl);
  }
}

export type QueryValue =
  string | number | boolean | null | undefined | readonly (string | number | boolean)[];

/** Substitutes `{params}` URL-encoded and appends the query. Missing params are the caller's check. */
export function buildUrl(
  base: string,
  pathTemplate: string,
  pathParams: Record<string, string>,
  query: Record<string, QueryValue> = {},
): string {
  const path = pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(pathParams[name] ?? ''),
  );
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const qs = search.toString();
  return `${base}${path}${qs === '' ? '' : `?${qs}`}`;
}
