import { z } from 'zod';
import { sha256Hex } from '../../platform/crypto.js';
import { checkJsonPath, firstJsonPathMatch } from '../../platform/jsonpath.js';
import { HeaderName, type Scheme } from './source-config.js';
import { type RawHeaders, headerLookup } from './verify/headers.js';

/**
 * Where an inbound event's identity comes from. Retries of one event must map to one key (invariant
 * 2: the unique index on (workspace, source, key) turns a sender's retry into a no-op).
 *
 * JSONPath goes through the project's evaluator (src/platform/jsonpath.ts): script evaluation off,
 * filter/script expressions refused when the rule is saved, work bounded; a stored rule never runs code.
 */
export const JsonPathExpression = z
  .string()
  .min(2)
  .max(256)
  .startsWith('$', 'must start with $')
  .superRefine((p, ctx) => {
    const r = checkJsonPath(p);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error.message });
  });

export const DedupRule = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('header'),
    header: HeaderName,
    /** Tried in order when `header` is absent (Standard Webhooks senders may use `svix-id`). */
    alternatives: z.array(HeaderName).max(4).optional(),
  }),
  z.strictObject({ kind: z.literal('jsonpath'), path: JsonPathExpression }),
  z.strictObject({ kind: z.literal('body-hash') }),
]);
export type DedupRule = z.infer<typeof DedupRule>;

export type DedupInput = {
  headers: RawHeaders;
  rawBody: Buffer;
  /** The parsed body, when it was JSON. */ json?: unknown;
};
export type DedupKey = {
  key: string;
  /** True when the rule's header or path yielded nothing usable and the body hash was used instead. */
  fellBack: boolean;
};

/** Longer ids are hashed so keys stay index-friendly; `#` marks the hashed form so it cannot collide with a raw value. */
const MAX_RAW_ID = 200;
const namespaced = (prefix: 'h' | 'j', value: string): string =>
  value.length <= MAX_RAW_ID ? `${prefix}:${value}` : `${prefix}#${sha256Hex(value)}`;

export const bodyHashKey = (rawBody: Buffer): string => `b:${sha256Hex(rawBody)}`;

/** First match of `path` as an id: a non-empty string or a finite number; anything else is "nothing". */
export function jsonPathId(path: string, json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  let found: unknown;
  try {
    const match = firstJsonPathMatch(path, json);
    found = match.found ? match.value : undefined;
  } catch {
    // A path refused by the compiler (a rule stored before a check existed) or a document over the
    // evaluator's limits: no id, so the caller falls back to the body hash.
    return undefined;
  }
  if (typeof found === 'string') return found.trim() === '' ? undefined : found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return undefined;
}

export function dedupKey(rule: DedupRule, input: DedupInput): DedupKey {
  let id: string | undefined;
  let prefix: 'h' | 'j' = 'h';
  switch (rule.kind) {
    case 'header': {
      const h = headerLookup(input.headers);
      id = [rule.header, ...(rule.alternatives ?? [])].map((name) => h(name)).find((v) => v !== undefined);
      break;
    }
    case 'jsonpath':
      prefix = 'j';
      id = jsonPathId(rule.path, input.json);
      break;
    case 'body-hash':
      return { key: bodyHashKey(input.rawBody), fellBack: false };
  }
  return id === undefined
    ? { key: bodyHashKey(input.rawBody), fellBack: true }
    : { key: namespaced(prefix, id), fellBack: false };
}

/**
 * What each provider documents as the identity its retries of one event share (the source per preset is
 * in docs/ingestion.md, "Dedup keys"). Where a provider documents none, the body hash: a retry that
 * resends the same bytes is still recognised.
 */
export function defaultDedupRule(scheme: Scheme): DedupRule {
  switch (scheme) {
    case 'standard-webhooks':
      return { kind: 'header', header: 'webhook-id', alternatives: ['svix-id'] };
    case 'github':
      return { kind: 'header', header: 'X-GitHub-Delivery' };
    case 'stripe':
      return { kind: 'jsonpath', path: '$.id' };
    case 'slack':
      return { kind: 'jsonpath', path: '$.event_id' };
    case 'shopify':
      // Duplicates of one event share X-Shopify-Event-Id; X-Shopify-Webhook-Id changes per delivery.
      return { kind: 'header', header: 'X-Shopify-Event-Id' };
    case 'clickup':
    case 'hmac':
    case 'api-key':
    case 'basic-auth':
    case 'none':
      return { kind: 'body-hash' };
  }
}
