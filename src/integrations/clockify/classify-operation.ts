/**
 * Pure rules that classify a Clockify OpenAPI operation. Kept apart from the loader so each rule is a
 * plain function with a unit test and the catalogue stays a thin mapping.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Which Clockify host serves an operation; each maps to a base URL claim of the installation token. */
export type ServerKind = 'api' | 'reports' | 'auditlog';

/**
 * How a list operation pages:
 * - `page-size`: query `page` (1-based) + `page-size` (most list GETs);
 * - `pageSize`: query `page` + `pageSize` (shared reports);
 * - `limit`: query `page` (0-based per the spec default) + `limit` (entities/created|updated|deleted);
 * - `body`: `page`/`pageSize` (or `page-size`) inside the JSON body (POST searches and reports);
 * - `none`: not paged.
 */
export type PaginationStyle = 'page-size' | 'pageSize' | 'limit' | 'body' | 'none';

/** The query parameter that carries the page size for a pagination style (none when not paged by query). */
export function pageSizeParam(style: PaginationStyle): string | undefined {
  switch (style) {
    case 'page-size':
      return 'page-size';
    case 'pageSize':
      return 'pageSize';
    case 'limit':
      return 'limit';
    case 'body':
    case 'none':
      return undefined;
  }
}

/** Server kind from a per-path `servers[].url`: api.clockify.me → api, reports.* → reports, auditlog-* → auditlog. */
export function serverKindOf(serverUrl: string | undefined): ServerKind {
  if (serverUrl === undefined) return 'api';
  let host: string;
  try {
    host = new URL(serverUrl).hostname;
  } catch {
    return 'api';
  }
  if (host.startsWith('reports.') || host.includes('.reports.')) return 'reports';
  if (host.startsWith('auditlog')) return 'auditlog';
  return 'api';
}

/** Names of the `{params}` in a path template, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

export function paginationStyleOf(
  queryParamNames: readonly string[],
  bodyPropertyNames: readonly string[] = [],
): PaginationStyle {
  const q = new Set(queryParamNames);
  if (q.has('page')) {
    if (q.has('page-size')) return 'page-size';
    if (q.has('pageSize')) return 'pageSize';
    if (q.has('limit')) return 'limit';
  }
  const b = new Set(bodyPropertyNames);
  if (b.has('page') && (b.has('pageSize') || b.has('page-size'))) return 'body';
  return 'none';
}

const lastSegmentIsLiteral = (path: string): boolean => !/\}$/.test(path);

/**
 * "Heavy" operations are the ones that cost Clockify (and our rate budget) much more than one row:
 * callers (bootstrap, API explorer, flows) run them with lower concurrency, confirm before running them
 * interactively, and give them longer timeouts. The rule:
 * 1. everything on the reports and audit-log servers (server-side aggregations over time entries);
 * 2. time-entry collection scans: a GET on a time-entries path that does not end in one entry's id
 *    (per-user entries, in-progress entries);
 * 3. bulk time-entry writes: PUT/PATCH/DELETE on a time-entries collection (replaceMany, deleteMany,
 *    stop running, mark invoiced);
 * 4. workspace change-log scans (`entities/created|updated|deleted`);
 * 5. binary exports and file downloads (`…/export`, `…/files/{fileId}`), which return large bodies.
 */
export function isHeavyOperation(op: { method: HttpMethod; path: string; server: ServerKind }): boolean {
  if (op.server !== 'api') return true;
  const timeEntries = op.path.includes('/time-entries');
  if (timeEntries && op.method === 'GET' && lastSegmentIsLiteral(op.path)) return true;
  if (timeEntries && op.method !== 'GET' && op.method !== 'POST' && lastSegmentIsLiteral(op.path))
    return true;
  if (/\/entities\/(created|updated|deleted)$/.test(op.path)) return true;
  if (op.method === 'GET' && (/\/export$/.test(op.path) || /\/files\/\{[^}]+\}$/.test(op.path))) return true;
  return false;
}
