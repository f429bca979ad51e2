/** Shapes shared by the explorer's pure pieces and, later, its service and routes. */
import type { QueryValue } from '../../integrations/clockify/clockify.urls.js';

/** The installation a request runs for: the workspace of the credential, the add-on's Clockify user. */
export type ExplorerContext = {
  workspaceId: string;
  /** `addonUserId` from INSTALLED; pre-fills a `userId` path parameter in examples. */
  addonUserId?: string | null;
};

/** What a caller (form, editor, script, flow) submits for one operation: unvalidated. */
export type ExplorerInput = {
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
};

/**
 * An input that passed `validateInput`: path params are strings (workspaceId filled from the
 * context), query values coerced to the types the spec declares, the body as given.
 */
export type ValidInput = {
  pathParams: Record<string, string>;
  query: Record<string, QueryValue>;
  body?: unknown;
};

/** One problem with an input, addressed by location: `query.page-size`, `body.items[0].name`. */
export type InputIssue = { path: string; message: string };
