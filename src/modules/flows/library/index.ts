/**
 * The flow template library's entry points: the listing (`GET /ui/flow-templates`) and
 * `instantiateTemplate` (`POST /ui/flow-templates/{id}/install`). Pure.
 */
import type { z } from 'zod';
import { FLOW_DEFINITION_VERSION } from '../definition.js';
import { type ValidateOptions, validateFlowDefinition } from '../validate.js';
import {
  FLOW_TEMPLATES,
  type FlowDefinitionJson,
  type FlowTemplate,
  type FlowTemplateCategory,
  NAME_INPUT,
} from './flow-templates.js';
import { type InputIssue, type TemplateInput, inputIssues, inputsSchema } from './inputs.js';

export { FLOW_TEMPLATES, NAME_INPUT } from './flow-templates.js';
export type { FlowDefinitionJson, FlowTemplate, FlowTemplateCategory } from './flow-templates.js';
export type { InputIssue, TemplateInput, TemplateInputType } from './inputs.js';

/** A template as the listing shows it (no build function). */
export type FlowTemplateInfo = {
  id: string;
  name: string;
  description: string;
  category: FlowTemplateCategory;
  requirements: string[];
  /** The inputs to send to install it, the flow name included. */
  inputs: TemplateInput[];
  /** The trigger's events with default inputs (what the flow listens to). */
  events: string[];
  /** The action types it uses (`http` needs the workspace setting that allows it). */
  actionTypes: string[];
};

const byId = new Map(FLOW_TEMPLATES.map((t) => [t.id, t]));
const schemas = new Map<string, z.ZodType<Record<string, unknown>>>();

/** Every input a template takes: its own plus the optional flow name. */
export const templateInputs = (t: FlowTemplate): TemplateInput[] => [...t.inputs, NAME_INPUT];

/** The zod schema of a template's install inputs (strict: unknown inputs are refused). */
export function templateInputsSchema(t: FlowTemplate): z.ZodType<Record<string, unknown>> {
  let s = schemas.get(t.id);
  if (s === undefined) {
    s = inputsSchema(templateInputs(t));
    schemas.set(t.id, s);
  }
  return s;
}

export const getFlowTemplate = (id: string): FlowTemplate | undefined => byId.get(id);

function defaults(t: FlowTemplate): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const i of t.inputs) if (i.default !== undefined) out[i.name] = i.default;
  return out;
}

export function describeTemplate(t: FlowTemplate): FlowTemplateInfo {
  // Events and action types with defaults and placeholder ids (they do not depend on the ids).
  const sample: Record<string, unknown> = { ...defaults(t) };
  for (const i of t.inputs)
    if (i.required && sample[i.name] === undefined)
      sample[i.name] = i.type === 'url' ? 'https://example.com/' : i.type === 'sourceId' ? 'src_x' : 'x';
  const built = t.build(sample);
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    category: t.category,
    requirements: [...t.requirements],
    inputs: templateInputs(t).map((i) => ({ ...i })),
    events: [...built.trigger.events],
    actionTypes: [...new Set(built.actions.map((a) => String(a.type)))],
  };
}

/** The listing, in library order. */
export const listFlowTemplates = (): FlowTemplateInfo[] => FLOW_TEMPLATES.map(describeTemplate);

export type InstantiateResult =
  | { ok: true; template: FlowTemplateInfo; definition: FlowDefinitionJson }
  | {
      ok: false;
      /** unknown_template → 404; invalid_inputs / invalid_definition → 422. */
      reason: 'unknown_template' | 'invalid_inputs' | 'invalid_definition';
      issues: InputIssue[];
    };

/** A definition issue about a source or endpoint the admin gave is reported on that input. */
function toInputIssue(issue: InputIssue, t: FlowTemplate, values: Record<string, unknown>): InputIssue {
  for (const i of t.inputs) {
    const v = values[i.name];
    if (
      (i.type === 'sourceId' || i.type === 'endpointId') &&
      typeof v === 'string' &&
      issue.message.includes(`'${v}'`)
    )
      return { path: `inputs.${i.name}`, message: issue.message };
  }
  return issue;
}

/**
 * The definition a template makes from the given inputs, `enabled: false`. With `validate` options
 * (the catalogue, the workspace's source ids and endpoints…), it is also run through
 * `validateFlowDefinition`, so an input naming an unknown custom source or endpoint is refused here.
 * Never throws.
 */
export function instantiateTemplate(
  id: string,
  inputs: unknown,
  validate?: ValidateOptions,
): InstantiateResult {
  const t = byId.get(id);
  if (t === undefined)
    return {
      ok: false,
      reason: 'unknown_template',
      issues: [{ path: 'id', message: `no flow template '${id.slice(0, 100)}'` }],
    };
  const parsed = templateInputsSchema(t).safeParse(inputs ?? {});
  if (!parsed.success)
    return { ok: false, reason: 'invalid_inputs', issues: inputIssues(parsed.error, inputs) };
  try {
    const { name, ...own } = parsed.data;
    const built = t.build(own);
    const definition: FlowDefinitionJson = {
      version: FLOW_DEFINITION_VERSION,
      name: typeof name === 'string' && name.trim() !== '' ? name.trim() : t.name,
      ...built,
      enabled: false,
    };
    if (validate !== undefined) {
      const v = validateFlowDefinition(definition, validate);
      if (!v.ok)
        return {
          ok: false,
          reason: 'invalid_definition',
          issues: v.issues.map((i) => toInputIssue(i, t, own)),
        };
    }
    return { ok: true, template: describeTemplate(t), definition };
  } catch {
    return {
      ok: false,
      reason: 'invalid_definition',
      issues: [{ path: '', message: 'the template could not be instantiated' }],
    };
  }
}
