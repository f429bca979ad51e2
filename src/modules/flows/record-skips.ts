/**
 * "Record skips" (`recordSkips: true` in a flow definition): an event whose trigger source and type
 * matched the flow but whose trigger filter or conditions did not hold also gets an execution row with
 * status `skipped` (no job, no steps), whose `error` says which rules decided. Flows without the option
 * are only counted (`flow_skip_count`), as before.
 */
import { type Evaluation, type GroupTrace, type RuleTrace, evaluate } from './conditions.js';
import { type FlowContext, flowContextFor } from './context.js';
import type { FlowDefinition } from './definition.js';
import { explainTrigger } from './event-match.js';
import type { ProcessedEvent } from '../ingestion/event-processors.js';
import { listCacheReferences } from './templates.js';
import { preview } from './values.js';

/** The reason stored on a skipped execution is cut to this many characters. */
export const MAX_SKIP_REASON_CHARS = 1_000;

function falseRules(trace: GroupTrace, out: RuleTrace[]): RuleTrace[] {
  for (const r of trace.rules) {
    if (r.result) continue;
    if (r.kind === 'rule') out.push(r);
    else falseRules(r, out);
  }
  return out;
}

const describeRule = (r: RuleTrace): string => {
  const expected = r.op === 'exists' || r.op === 'not_exists' ? '' : ` ${preview(r.expected, 60)}`;
  const actual =
    r.error !== undefined ? `error: ${r.error}` : r.found ? `actual ${preview(r.actual, 60)}` : 'not found';
  return `${r.location}: ${r.path} ${r.op}${expected} (${actual})`;
};

/** Pure: the reason a skipped execution records, from the evaluation that did not hold. */
export function describeSkip(evaluation: Evaluation): string {
  const what = evaluation.trace.location.startsWith('trigger.filter') ? 'trigger filter' : 'conditions';
  const rules = falseRules(evaluation.trace, []);
  const text =
    rules.length === 0
      ? `${what} did not hold (an empty ${evaluation.trace.mode} group)`
      : `${what} did not hold: ${rules.map(describeRule).join('; ')}`;
  return text.length > MAX_SKIP_REASON_CHARS ? `${text.slice(0, MAX_SKIP_REASON_CHARS - 1)}…` : text;
}

/**
 * Why a candidate flow (source and type matched) was skipped for an event: its trigger filter or its
 * conditions evaluated again with their traces, as `flowMatches` does (the same cache reads). Only called
 * for flows that record skips.
 */
export async function explainSkip(
  flow: { id: string; version: number; definition: FlowDefinition },
  event: ProcessedEvent,
  executionId: string,
  cache: (
    workspaceId: string,
    refs: readonly { entityType: string; id: string }[],
  ) => Promise<Map<string, unknown>>,
): Promise<string> {
  const d = flow.definition;
  const base: FlowContext = flowContextFor(event, {
    flow: { id: flow.id, version: flow.version },
    execution: { id: executionId },
  });
  const refs = [
    ...(d.trigger.filter !== undefined ? listCacheReferences(d.trigger.filter, base) : []),
    ...(d.conditions !== undefined ? listCacheReferences(d.conditions, base) : []),
  ];
  let ctx = base;
  if (refs.length > 0) {
    const found = await cache(event.workspaceId, refs);
    ctx = { ...base, cache: (entityType, id) => found.get(`${entityType}\u0000${id}`) };
  }
  const trigger = explainTrigger(d.trigger, event, { context: ctx });
  if (trigger.stage === 'filter' && !trigger.matched) return describeSkip(trigger.filter);
  if (d.conditions !== undefined) {
    const conditions = evaluate(d.conditions, ctx);
    if (!conditions.result) return describeSkip(conditions);
  }
  // The flow changed between the match and this explanation: say so rather than guess.
  return 'conditions did not hold';
}
