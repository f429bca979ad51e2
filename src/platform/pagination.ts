import { AppError } from './errors.js';

/** A list route's `from`/`to` query as instants; `from` after `to` is the client's mistake (422). */
export function timeRange(q: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const from = q.from !== undefined ? new Date(q.from) : undefined;
  const to = q.to !== undefined ? new Date(q.to) : undefined;
  if (from && to && from > to)
    throw new AppError('VALIDATION_FAILED', 'query.from: must not be after to', {
      details: { field: 'from' },
    });
  return { from, to };
}

/**
 * One page of a keyset-paginated list: the repo was asked for `limit + 1` rows, so a row beyond `limit`
 * means there is a next page, whose cursor is the last row shown.
 */
export function keysetPage<R, T>(
  rows: readonly R[],
  limit: number,
  view: (row: R) => T,
  cursorOf: (row: R) => string,
): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { items: page.map(view), nextCursor: rows.length > limit ? cursorOf(page.at(-1)!) : null };
}
