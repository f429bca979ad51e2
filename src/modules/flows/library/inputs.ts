/**
 * Inputs of flow templates: each template declares what it asks for (name, label, type, required,
 * default, description); the zod schema that checks an install request is built from that same list,
 * so the two cannot drift. Issues come back per field (`inputs.projectId: a Clockify id is 24
 * hexadecimal characters`) for a 422.
 */
import { z } from 'zod';
import { PROTOTYPE_KEYS } from '../../../platform/jsonpath.js';

export type TemplateInputType =
  /** Free text (written into the flow as literal text, never as a template). */
  | 'text'
  /** A Clockify id (24 hexadecimal characters): project, tag, user… */
  | 'clockifyId'
  | 'integer'
  | 'boolean'
  /** An http(s) URL with a written-out host. */
  | 'url'
  /** A custom source id (`src_…`). */
  | 'sourceId'
  /** An outbound webhook endpoint id of the workspace. */
  | 'endpointId'
  /** An event type name of a custom source, e.g. `issue.created`. */
  | 'eventType'
  /** A field of the event body, e.g. `title` or `issue.summary`. */
  | 'field';

export type TemplateInput = {
  name: string;
  label: string;
  type: TemplateInputType;
  required: boolean;
  default?: string | number | boolean;
  description: string;
  /** integer: bounds. */
  min?: number;
  max?: number;
  /** text: maximum length (default 200). */
  maxLength?: number;
};

export type InputIssue = { path: string; message: string };

const CLOCKIFY_ID = /^[0-9a-fA-F]{24}$/;
const SOURCE_ID = /^src_[0-9a-z]{24}$/;
const ENDPOINT_ID = /^[A-Za-z0-9_-]{1,100}$/;
const EVENT_TYPE = /^[A-Za-z0-9_.:/-]{1,100}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}$/;

function isHttpUrl(s: string): boolean {
  if (/[\s{}]/.test(s)) return false;
  try {
    const u = new URL(s);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      u.hostname !== '' &&
      u.username === '' &&
      u.password === ''
    );
  } catch {
    return false;
  }
}

function schemaOf(input: TemplateInput): z.ZodType {
  switch (input.type) {
    case 'text': {
      const s = z.string().max(input.maxLength ?? 200, `at most ${input.maxLength ?? 200} characters`);
      return input.required ? s.trim().min(1, 'is required') : s;
    }
    case 'clockifyId':
      return z.string().regex(CLOCKIFY_ID, 'a Clockify id is 24 hexadecimal characters');
    case 'integer': {
      const min = input.min ?? 0;
      const max = input.max ?? 1_000_000;
      return z
        .union([
          z.number(),
          z
            .string()
            .regex(/^\s*-?\d{1,9}\s*$/, 'must be a whole number')
            .transform(Number),
        ])
        .pipe(
          z
            .number()
            .int('must be a whole number')
            .min(min, `must be at least ${min}`)
            .max(max, `must be at most ${max}`),
        );
    }
    case 'boolean':
      return z.boolean();
    case 'url':
      return z
        .string()
        .max(2_048, 'at most 2048 characters')
        .refine(
          isHttpUrl,
          'must be an http:// or https:// URL with a host (no spaces, braces or credentials)',
        );
    case 'sourceId':
      return z
        .string()
        .regex(SOURCE_ID, 'a custom source id looks like src_ followed by 24 letters or digits');
    case 'endpointId':
      return z.string().regex(ENDPOINT_ID, 'an endpoint id is 1–100 letters, digits, _ or -');
    case 'eventType':
      return z.string().regex(EVENT_TYPE, 'an event type is 1–100 letters, digits or . _ : / -');
    case 'field':
      return z
        .string()
        .regex(
          FIELD,
          'a field name such as title or issue.summary (letters, digits and _, parts joined by .)',
        )
        .refine((f) => !f.split('.').some((k) => PROTOTYPE_KEYS.has(k)), 'this name is reserved');
  }
}

/** The strict zod object for a template's inputs, defaults applied. */
export function inputsSchema(inputs: readonly TemplateInput[]): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const input of inputs) {
    const s = schemaOf(input);
    shape[input.name] =
      input.default !== undefined ? s.default(input.default as never) : input.required ? s : s.optional();
  }
  return z.strictObject(shape);
}

/** zod issues as `inputs.<name>: message`. */
export function inputIssues(error: z.ZodError, raw: unknown): InputIssue[] {
  return error.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    if (keys.length > 0) return { path: `inputs.${keys.join(', ')}`, message: 'unknown input' };
    const name = i.path.map(String).join('.');
    const given =
      typeof raw === 'object' && raw !== null && i.path.length > 0 && Object.hasOwn(raw, String(i.path[0]));
    const message = i.code === 'invalid_type' && !given && i.path.length > 0 ? 'is required' : i.message;
    return { path: name === '' ? 'inputs' : `inputs.${name}`, message };
  });
}

/** Text written into a flow as literal text: a `{{` in it is the template language's escape. */
export const literalText = (s: string): string => s.split('{{').join("{{ '{{' }}");
