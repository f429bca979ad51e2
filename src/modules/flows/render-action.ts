/**
 * Renders the templated fields of one action, as the engine does right before running it. Which fields
 * are templated comes from the action-type registry; the other fields are returned as they are.
 */
import type { FlowContext } from './context.js';
import { type ActionTypeRegistry, DEFAULT_ACTION_TYPES, type FlowAction } from './definition.js';
import { type RenderOptions, TemplateError, render } from './templates.js';
import { defineData } from './values.js';

export type RenderedAction = { ok: true; action: FlowAction } | { ok: false; error: TemplateError };

/**
 * `index` is the action's position in the definition (for error locations such as
 * `actions[1].body.name`). Templated fields share one output budget.
 */
export function renderAction(
  action: FlowAction,
  index: number,
  context: FlowContext,
  options: Omit<RenderOptions, 'location'> & { actionTypes?: ActionTypeRegistry } = {},
): RenderedAction {
  const spec = (options.actionTypes ?? DEFAULT_ACTION_TYPES).get(action.type);
  const location = `actions[${index}]`;
  if (spec === undefined)
    return {
      ok: false,
      error: new TemplateError('type', `unknown action type '${action.type}'`, `${location}.type`, ''),
    };
  const templated: Record<string, unknown> = {};
  for (const field of spec.templated) if (Object.hasOwn(action, field)) templated[field] = action[field];
  const { actionTypes: _ignored, ...renderOptions } = options;
  const r = render(templated, context, { ...renderOptions, location });
  if (!r.ok) return r;
  const out = { ...action };
  for (const [k, v] of Object.entries(r.value as Record<string, unknown>)) defineData(out, k, v);
  return { ok: true, action: out };
}
