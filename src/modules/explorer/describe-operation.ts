/**
 * One operation in full for the explorer: parameters with their schemas, request and response
 * schemas (capped for display), an example request to start from, and whether the explorer can send
 * it at all. Pure. Schemas are shown as the explorer validates them: Clockify's spec quirks fixed
 * (`fixSpecQuirks`), so a form built from them accepts what the validator accepts.
 */
import type {
  ClockifyOperation,
  JsonSchema,
  OperationParameter,
} from '../../integrations/clockify/catalogue.js';
import { exampleRequest } from './example-request.js';
import type { ExplorerContext, ValidInput } from './explorer.types.js';
import { type OperationSummary, summarizeOperation } from './list-operations.js';
import { DEFAULT_SCHEMA_CAPS, type SchemaCaps, capSchema, fixSpecQuirks } from './openapi-schema.js';

export type ParameterDetail = {
  name: string;
  in: OperationParameter['in'];
  required: boolean;
  description?: string;
  schema?: JsonSchema;
};

export type OperationDetail = OperationSummary & {
  description?: string;
  parameters: ParameterDetail[];
  requestBody?: { required: boolean; contentType: string; schema?: JsonSchema };
  response: { status: number; schema?: JsonSchema };
  /** Some schema was cut by the size/depth caps (`x-truncated` marks where). */
  truncated: boolean;
  /** A request that passes validation, context values filled in. */
  example: ValidInput;
  /** Why the explorer cannot send this operation (it can still show it and give snippets). */
  blocked?: string;
};

/** The gateway sends JSON bodies only (its Clockify client has no multipart support). */
export const SENDABLE_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json']);

/** Why the gateway cannot execute an operation, or undefined when it can. */
export function executionBlocker(op: ClockifyOperation): string | undefined {
  const summary = summarizeOperation(op);
  if (!summary.addonToken)
    return `Clockify does not accept the add-on token for this operation (it accepts ${op.security.join(', ') || 'no listed scheme'})`;
  if (op.requestBody !== undefined && !SENDABLE_CONTENT_TYPES.has(op.requestBody.contentType))
    return `The request body is ${op.requestBody.contentType} (a file upload), which the explorer cannot send; use a snippet`;
  return undefined;
}

export type DescribeOptions = { now: Date; caps?: SchemaCaps };

export function describeOperation(
  op: ClockifyOperation,
  context: ExplorerContext,
  options: DescribeOptions,
): OperationDetail {
  const caps = options.caps ?? DEFAULT_SCHEMA_CAPS;
  let truncated = false;
  const cap = (schema: JsonSchema | undefined) => {
    if (schema === undefined) return {};
    const r = capSchema(fixSpecQuirks(schema), caps);
    truncated ||= r.truncated;
    return { schema: r.schema };
  };
  const blocked = executionBlocker(op);
  return {
    ...summarizeOperation(op),
    ...(op.description !== undefined ? { description: op.description } : {}),
    parameters: op.parameters.map((p) => ({
      name: p.name,
      in: p.in,
      required: p.required,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...cap(p.schema),
    })),
    ...(op.requestBody !== undefined
      ? {
          requestBody: {
            required: op.requestBody.required,
            contentType: op.requestBody.contentType,
            ...cap(op.requestBody.schema),
          },
        }
      : {}),
    response: { status: op.successStatus, ...cap(op.responseSchema) },
    truncated,
    example: exampleRequest(op, context, { now: options.now }),
    ...(blocked !== undefined ? { blocked } : {}),
  };
}
