/**
 * The explorer's list of Clockify operations: one summary per catalogue operation, filters, and a
 * grouping by tag. Pure.
 */
import type { ClockifyOperation, HttpMethod, ServerKind } from '../../integrations/clockify/catalogue.js';
import { HTTP_METHODS, type PaginationStyle } from '../../integrations/clockify/classify-operation.js';
import { type Scope, isWriteOperation, scopeOf } from './operation-scope.js';

/** Security schemes that take the add-on (installation or user) token in `X-Addon-Token`. */
export const ADDON_TOKEN_SCHEMES: ReadonlySet<string> = new Set(['AddonKeyAuth', 'ReportAddonKeyAuth']);

export type OperationFlags = {
  /** GET: no side effects, safe to retry (the catalogue's `safe`). */
  safe: boolean;
  /** May change Clockify data: needs the write setting, a write credential and a confirmation. */
  write: boolean;
  heavy: boolean;
  deprecated: boolean;
};

export type OperationSummary = {
  operationId: string;
  method: HttpMethod;
  path: string;
  summary: string;
  tags: string[];
  server: ServerKind;
  pagination: PaginationStyle;
  flags: OperationFlags;
  /** The manifest scope the operation most likely needs (inferred; see operation-scope.ts). */
  scope: Scope;
  /** Which rule of SCOPE_RULES gave the scope (`fallback` when none matched). */
  scopeRule: string;
  /** Security schemes the spec lists for the operation. */
  security: string[];
  /** Whether Clockify accepts the add-on token here (three operations take only personal keys). */
  addonToken: boolean;
};

export function summarizeOperation(op: ClockifyOperation): OperationSummary {
  const { scope, rule } = scopeOf(op);
  return {
    operationId: op.operationId,
    method: op.method,
    path: op.path,
    summary: op.summary,
    tags: [...op.tags],
    server: op.server,
    pagination: op.pagination,
    flags: {
      safe: op.safe,
      write: isWriteOperation(op),
      heavy: op.heavy,
      deprecated: op.deprecated,
    },
    scope,
    scopeRule: rule,
    security: [...op.security],
    addonToken: op.security.some((s) => ADDON_TOKEN_SCHEMES.has(s)),
  };
}

export type OperationFilter = {
  /** Exact tag, case-insensitive. */
  tag?: string;
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Free text: every whitespace-separated term must occur in the summary, path or operationId. */
  q?: string;
  /** true: only safe (GET) operations; false: only the others. */
  safe?: boolean;
};

/** Tag for operations the spec gives none. */
export const UNTAGGED = 'Other';

const methodRank = (m: HttpMethod) => HTTP_METHODS.indexOf(m);
const firstTag = (s: OperationSummary) => s.tags[0] ?? UNTAGGED;

/** Tag, then path, then method (GET, POST, PUT, PATCH, DELETE): related calls sit together. */
export function compareOperations(a: OperationSummary, b: OperationSummary): number {
  return (
    firstTag(a).localeCompare(firstTag(b), 'en') ||
    a.path.localeCompare(b.path, 'en') ||
    methodRank(a.method) - methodRank(b.method)
  );
}

export function matchesFilter(s: OperationSummary, filter: OperationFilter): boolean {
  if (filter.tag !== undefined && filter.tag !== '') {
    const tag = filter.tag.toLowerCase();
    const tags = s.tags.length > 0 ? s.tags : [UNTAGGED];
    if (!tags.some((t) => t.toLowerCase() === tag)) return false;
  }
  if (filter.method !== undefined && filter.method !== '' && s.method !== filter.method.toUpperCase())
    return false;
  if (filter.safe !== undefined && s.flags.safe !== filter.safe) return false;
  const terms = (filter.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length > 0) {
    const haystack = `${s.summary}\n${s.path}\n${s.operationId}`.toLowerCase();
    if (!terms.every((t) => haystack.includes(t))) return false;
  }
  return true;
}

/** Summaries of the operations that match, sorted by tag, path and method. */
export function listOperations(
  operations: readonly ClockifyOperation[],
  filter: OperationFilter = {},
): OperationSummary[] {
  return operations
    .map(summarizeOperation)
    .filter((s) => matchesFilter(s, filter))
    .sort(compareOperations);
}

export type TagGroup = { tag: string; operations: OperationSummary[] };

/**
 * Groups by tag, tags in alphabetical order; an operation with several tags appears under each.
 * Keeps the order of `summaries` inside a group (pass sorted summaries).
 */
export function groupByTag(summaries: readonly OperationSummary[]): TagGroup[] {
  const groups = new Map<string, OperationSummary[]>();
  for (const s of summaries) {
    for (const tag of s.tags.length > 0 ? s.tags : [UNTAGGED]) {
      const list = groups.get(tag) ?? [];
      list.push(s);
      groups.set(tag, list);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([tag, operations]) => ({ tag, operations }));
}

/** Every tag with its operation count, alphabetical: the explorer's tag filter. */
export function tagCounts(operations: readonly ClockifyOperation[]): { tag: string; count: number }[] {
  return groupByTag(operations.map(summarizeOperation)).map((g) => ({
    tag: g.tag,
    count: g.operations.length,
  }));
}
