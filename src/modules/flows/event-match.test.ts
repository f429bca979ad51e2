import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../../test/helpers/flow-fixtures.js';
import { CLOCKIFY_WEBHOOK_EVENTS } from '../../integrations/clockify/webhook-events.js';
import {
  type Trigger,
  createTriggerIndex,
  eventTypeMatches,
  explainTrigger,
  matchesTrigger,
} from './event-match.js';

const SRC_A = 'src_aaaaaaaaaaaaaaaaaaaaaaaa';
const SRC_B = 'src_bbbbbbbbbbbbbbbbbbbbbbbb';

describe('eventTypeMatches', () => {
  it('matches exact names, prefixes and *', () => {
    expect(eventTypeMatches('NEW_TIME_ENTRY', 'NEW_TIME_ENTRY')).toBe(true);
    expect(eventTypeMatches('NEW_TIME_ENTRY', 'NEW_TIME_ENTRY_X')).toBe(false);
    expect(eventTypeMatches('TIME_ENTRY_*', 'TIME_ENTRY_UPDATED')).toBe(true);
    expect(eventTypeMatches('TIME_ENTRY_*', 'NEW_TIME_ENTRY')).toBe(false);
    expect(eventTypeMatches('invoice.*', 'invoice.paid')).toBe(true);
    expect(eventTypeMatches('*', 'anything')).toBe(true);
    expect(eventTypeMatches('new_time_entry', 'NEW_TIME_ENTRY')).toBe(false);
  });

  it('TIME_OFF_* covers the six time-off events of Clockify', () => {
    expect(CLOCKIFY_WEBHOOK_EVENTS.filter((e) => eventTypeMatches('TIME_OFF_*', e))).toHaveLength(6);
  });
});

describe('matchesTrigger', () => {
  const base: Trigger = { sources: ['clockify'], events: ['NEW_TIME_ENTRY'] };

  it('checks the source: clockify, custom source ids, or any', () => {
    const custom = makeEvent({ sourceKind: 'custom', sourceId: SRC_A, eventType: 'NEW_TIME_ENTRY' });
    expect(matchesTrigger(base, makeEvent())).toBe(true);
    expect(matchesTrigger(base, custom)).toBe(false);
    expect(matchesTrigger({ ...base, sources: [SRC_A, SRC_B] }, custom)).toBe(true);
    expect(matchesTrigger({ ...base, sources: [SRC_B] }, custom)).toBe(false);
    expect(matchesTrigger({ ...base, sources: '*' }, custom)).toBe(true);
    expect(matchesTrigger({ ...base, sources: '*' }, makeEvent())).toBe(true);
  });

  it('checks the event type, then the filter against the event context', () => {
    expect(matchesTrigger(base, makeEvent({ eventType: 'TIME_ENTRY_UPDATED' }))).toBe(false);
    const filtered: Trigger = {
      ...base,
      filter: { mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value: true }] },
    };
    expect(matchesTrigger(filtered, makeEvent())).toBe(true);
    expect(matchesTrigger(filtered, makeEvent({ payload: { billable: false } }))).toBe(false);
    const bySource: Trigger = {
      sources: '*',
      events: ['*'],
      filter: { mode: 'ALL', rules: [{ path: '$.event.source', op: '==', value: SRC_A }] },
    };
    expect(matchesTrigger(bySource, makeEvent({ sourceKind: 'custom', sourceId: SRC_A }))).toBe(true);
    expect(matchesTrigger(bySource, makeEvent())).toBe(false);
  });

  it('explains which stage decided, with the filter trace', () => {
    expect(explainTrigger({ ...base, sources: [SRC_A] }, makeEvent())).toEqual({
      matched: false,
      stage: 'source',
    });
    expect(explainTrigger(base, makeEvent({ eventType: 'X' }))).toEqual({ matched: false, stage: 'event' });
    expect(explainTrigger(base, makeEvent())).toEqual({ matched: true, stage: 'matched' });
    const e = explainTrigger(
      { ...base, filter: { mode: 'ALL', rules: [{ path: '$.webhook.userId', op: '==', value: 'u2' }] } },
      makeEvent(),
    );
    expect(e).toMatchObject({
      matched: false,
      stage: 'filter',
      filter: {
        trace: { location: 'trigger.filter', rules: [{ actual: 'u1', expected: 'u2', result: false }] },
      },
    });
  });
});

describe('createTriggerIndex', () => {
  type Flow = { id: string; trigger: Trigger };
  const flows: Flow[] = [
    { id: 'exact', trigger: { sources: ['clockify'], events: ['NEW_TIME_ENTRY'] } },
    { id: 'prefix', trigger: { sources: ['clockify'], events: ['TIME_ENTRY_*', 'NEW_*'] } },
    { id: 'any', trigger: { sources: '*', events: ['*'] } },
    { id: 'custom', trigger: { sources: [SRC_A], events: ['invoice.*', 'NEW_TIME_ENTRY'] } },
    { id: 'other', trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] } },
  ];
  const index = createTriggerIndex(flows, (f) => f.trigger);
  const ids = (e: Parameters<typeof index.candidates>[0]) => index.candidates(e).map((f) => f.id);

  it('finds exact, prefix and wildcard flows once each, in insertion order, filtered by source', () => {
    expect(ids({ sourceKind: 'clockify', sourceId: null, eventType: 'NEW_TIME_ENTRY' })).toEqual([
      'exact',
      'prefix',
      'any',
    ]);
    expect(ids({ sourceKind: 'clockify', sourceId: null, eventType: 'TIME_ENTRY_DELETED' })).toEqual([
      'prefix',
      'any',
    ]);
    expect(ids({ sourceKind: 'custom', sourceId: SRC_A, eventType: 'invoice.paid' })).toEqual([
      'any',
      'custom',
    ]);
    expect(ids({ sourceKind: 'custom', sourceId: SRC_B, eventType: 'invoice.paid' })).toEqual(['any']);
    expect(ids({ sourceKind: 'clockify', sourceId: null, eventType: 'TAG_UPDATED' })).toEqual(['any']);
    expect(index.size).toBe(5);
  });

  it('agrees with matchesTrigger on every Clockify event', () => {
    for (const eventType of CLOCKIFY_WEBHOOK_EVENTS) {
      const event = makeEvent({ eventType });
      const expected = flows.filter((f) => matchesTrigger(f.trigger, event)).map((f) => f.id);
      expect(ids(event), eventType).toEqual(expected);
    }
  });

  it('stays cheap with many flows: a lookup inspects only the candidates, not every trigger', () => {
    let reads = 0;
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      id: `f${i}`,
      trigger: {
        // Counts how often matching looks at a trigger's sources (once per candidate inspected).
        get sources() {
          reads++;
          return ['clockify'];
        },
        events: [`CUSTOM_EVENT_${i}`, `PREFIX_${i}_*`],
      },
    }));
    const idx = createTriggerIndex(many, (f) => f.trigger);
    reads = 0;
    expect(
      idx
        .candidates({ sourceKind: 'clockify', sourceId: null, eventType: 'CUSTOM_EVENT_123' })
        .map((f) => f.id),
    ).toEqual(['f123']);
    expect(
      idx.candidates({ sourceKind: 'clockify', sourceId: null, eventType: 'PREFIX_77_X' }).map((f) => f.id),
    ).toEqual(['f77']);
    expect(idx.candidates({ sourceKind: 'clockify', sourceId: null, eventType: 'NO_SUCH_EVENT' })).toEqual(
      [],
    );
    expect(reads).toBe(2);
  });
});
