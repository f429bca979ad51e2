/**
 * An explorer call as a flow action, so an admin who got a call right can put it in a flow. The values
 * are the literal ones that were sent (deep copies; no templates). `workspaceId` is left out: a flow
 * always runs in its own workspace and fills it in.
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

export function asFlowAction(execution: ExplorerExecution): ClockifyFlowAction {
  const { workspaceId: _workspaceId, ...pathParams } = execution.pathParams;
  const query: Record<string, QueryValue> = {};
  for (const [name, value] of Object.entries(execution.query)) {
    if (value === undefined) continue;
    query[name] = Array.isArray(value) ? [...(value as readonly (string | number | boolean)[])] : value;
  }
  return {
    type: 'clockify',
    operationId: execution.operationId,
    pathParams,
    query,
    ...(execution.body !== undefined ? { body: structuredClone(execution.body) } : {}),
  };
}
