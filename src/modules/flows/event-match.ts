/**
 * Triggers: which events start a flow. A trigger names its sources (`clockify`, custom source ids, or
 * `*` for any), its event types (exact names, prefixes such as `TIME_ENTRY_*`, or `*`) and an
 * optional filter condition group.
 *
 * `createTriggerIndex` finds the candidate flows for an event without looking at every flow: exact
 * event types are a map lookup, prefixes are looked up once per prefix length of the event type (so
 * the cost depends on the event type's length, not on the number of flows), and `*` flows are a list.
 */
import { type ConditionGroup, type Evaluation, evaluate } from './conditions.js';
import { type FlowContext, type FlowEvent, eventSource, flowContextFor } from './context.js';

export type Trigger = {
  /** `*` for any source, else `clockify` and/or custom source ids (`src_…`). */
  sources: '*' | readonly string[];
  /** Exact event types, prefixes ending in `*` (`TIME_ENTRY_*`), or `*` for every type. */
  events: readonly string[];
  filter?: ConditionGroup;
};

/** What trigger matching reads from an event. */
export type TriggerEvent = Pick<FlowEvent, 'sourceKind' | 'sourceId' | 'eventType'>;

export const isPrefixPattern = (p: string): boolean => p.length > 1 && p.endsWith('*');

export function eventTypeMatches(pattern: string, eventType: string): boolean {
  if (pattern === '*') return true;
  if (isPrefixPattern(pattern)) return eventType.startsWith(pattern.slice(0, -1));
  return pattern === eventType;
}

export function sourceMatches(
  sources: Trigger['sources'],
  event: Pick<TriggerEvent, 'sourceKind' | 'sourceId'>,
): boolean {
  if (sources === '*') return true;
  return sources.includes(eventSource(event));
}

/** Source and event type only (no filter): what the index pre-selects. */
export const matchesTriggerShape = (trigger: Trigger, event: TriggerEvent): boolean =>
  sourceMatches(trigger.sources, event) && trigger.events.some((p) => eventTypeMatches(p, event.eventType));

export type TriggerExplanation =
  | { matched: false; stage: 'source' | 'event' }
  | { matched: boolean; stage: 'filter'; filter: Evaluation }
  | { matched: true; stage: 'matched' };

/**
 * Whether the trigger fires for the event, with the filter's trace when it has one (dry runs).
 * `context` defaults to the event's own context (no flow or execution ids).
 */
export function explainTrigger(
  trigger: Trigger,
  event: FlowEvent,
  options: { context?: FlowContext; exhaustive?: boolean } = {},
): TriggerExplanation {
  if (!sourceMatches(trigger.sources, event)) return { matched: false, stage: 'source' };
  if (!trigger.events.some((p) => eventTypeMatches(p, event.eventType)))
    return { matched: false, stage: 'event' };
  if (trigger.filter === undefined) return { matched: true, stage: 'matched' };
  const filter = evaluate(trigger.filter, options.context ?? flowContextFor(event), {
    location: 'trigger.filter',
    exhaustive: options.exhaustive === true,
  });
  return { matched: filter.result, stage: 'filter', filter };
}

/** Pure: does this trigger fire for this event? */
export function matchesTrigger(trigger: Trigger, event: FlowEvent, context?: FlowContext): boolean {
  return explainTrigger(trigger, event, context === undefined ? {} : { context }).matched;
}

export type TriggerIndex<T> = {
  /** Flows whose source and event patterns match (the filter is not evaluated), in insertion order. */
  candidates(event: TriggerEvent): T[];
  readonly size: number;
};

/**
 * An index over many flows' triggers. `T` is whatever the caller wants back (a flow id, a compiled
 * flow); `triggerOf` reads its trigger. Build it once per set of enabled flows and reuse it.
 */
export function createTriggerIndex<T>(items: Iterable<T>, triggerOf: (item: T) => Trigger): TriggerIndex<T> {
  type Entry = { item: T; order: number; trigger: Trigger };
  const exact = new Map<string, Entry[]>();
  const prefixes = new Map<string, Entry[]>();
  const prefixLengths = new Set<number>();
  const any: Entry[] = [];
  let order = 0;
  const add = (map: Map<string, Entry[]>, key: string, e: Entry) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [e]);
    else if (list.at(-1) !== e) list.push(e);
  };
  for (const item of items) {
    const trigger = triggerOf(item);
    const e: Entry = { item, order: order++, trigger };
    if (trigger.events.includes('*')) {
      any.push(e);
      continue;
    }
    for (const p of trigger.events) {
      if (isPrefixPattern(p)) {
        const prefix = p.slice(0, -1);
        add(prefixes, prefix, e);
        prefixLengths.add(prefix.length);
      } else add(exact, p, e);
    }
  }
  const lengths = [...prefixLengths].sort((a, b) => a - b);
  return {
    size: order,
    candidates(event) {
      const found: Entry[] = [...(exact.get(event.eventType) ?? []), ...any];
      for (const n of lengths) {
        if (n > event.eventType.length) break;
        const hit = prefixes.get(event.eventType.slice(0, n));
        if (hit !== undefined) found.push(...hit);
      }
      const seen = new Set<number>();
      return found
        .filter(
          (e) => !seen.has(e.order) && (seen.add(e.order), true) && sourceMatches(e.trigger.sources, event),
        )
        .sort((a, b) => a.order - b.order)
        .map((e) => e.item);
    },
  };
}
