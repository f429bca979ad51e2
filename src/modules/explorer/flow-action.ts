/**
 * An explorer call as a flow action, so an admin who got a call right can put it in a flow. The values
 * are the literal ones that were sent (deep copies). `workspaceId` is left out: a flow always runs in
 * its own workspace and the engine fills it (flows refuse it in `pathParams`).
 *
 * Flows render every string in `pathParams`, `query` and `body` as a template (docs/flows.md), so a
 * literal `{{` in a value is written as the flow language's escape `{{ '{{' }}`; the action then sends
 * exactly what the explorer sent. The shape matches `ClockifyActionFields` of flows/definition.ts plus
 * `type`; the flow editor adds the action `id` and the common fields.
 */
import type { QueryValue } from '../../integrations/clockify/clockify.urls.js';
import type { ValidInput } from './explorer.types.js';

export type ClockifyFlowAction = {
  type: 'clockify';
  operationId: string;
  pathParams: Record<string, string>;
  query: Record<string, QueryValue>;
  body?: unknown;
};

export type ExplorerExecution = { operationId: string } & ValidInput;

/** The flow template language's literal `{{`. */
const LITERAL_OPEN = "{{ '{{' }}";

/** A string as a flow template that renders to exactly that string. */
export const asLiteralTemplate = (s: string) => s.split('{{').join(LITERAL_OPEN);

/** A deep copy with every string leaf made literal for the flow template language. */
function literal<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return asLiteralTemplate(value) as T;
  if (typeof value !== 'object' || value === null || depth > 64) return structuredClone(value);
  if (Array.isArray(value)) return value.map((v: unknown) => literal(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty: a `__proto__` key stays data, as JSON.parse made it.
    Object.defineProperty(out, k, {
      value: literal(v, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}

export function asFlowAction(execution: ExplorerExecution): ClockifyFlowAction {
  const { workspaceId: _workspaceId, ...pathParams } = execution.pathParams;
  const query: Record<string, QueryValue> = {};
  for (const [name, value] of Object.entries(execution.query)) {
    if (value !== undefined) query[name] = literal(value);
  }
  return {
    type: 'clockify',
    operationId: execution.operationId,
    pathParams: literal(pathParams),
    query,
    ...(execution.body !== undefined ? { body: literal(execution.body) } : {}),
  };
}
