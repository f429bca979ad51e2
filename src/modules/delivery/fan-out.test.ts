import { describe, expect, it } from 'vitest';
import { type DeliveryEvent, type EndpointRules, buildBody, endpointMatches } from './fan-out.js';

const ev: DeliveryEvent = {
  id: 'evt_1',
  workspaceId: 'ws1',
  source: 'clockify',
  eventType: 'NEW_TIME_ENTRY',
  payload: { description: 'Design', billable: true, hours: 3 },
  occurredAt: new Date('2026-12-01T10:00:00Z'),
};
const rules = (r: Partial<EndpointRules>): EndpointRules => ({
  sources: ['*'],
  eventTypes: ['*'],
  filter: null,
  transformation: null,
  ...r,
});

describe('endpointMatches', () => {
  it('matches sources and event patterns like flow triggers', () => {
    expect(endpointMatches(rules({ eventTypes: ['NEW_*'] }), ev)).toBe(true);
    expect(endpointMatches(rules({ eventTypes: ['TIME_ENTRY_*'] }), ev)).toBe(false);
    expect(endpointMatches(rules({ sources: ['gateway'] }), ev)).toBe(false);
    expect(endpointMatches(rules({ sources: ['clockify'], eventTypes: ['NEW_TIME_ENTRY'] }), ev)).toBe(true);
  });
  it('applies the filter in the flows condition language', () => {
    const f = (value: unknown) => ({ mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value }] });
    expect(endpointMatches(rules({ filter: f(true) }), ev)).toBe(true);
    expect(endpointMatches(rules({ filter: f(false) }), ev)).toBe(false);
  });
});

describe('buildBody', () => {
  it('builds the default body', () => {
    expect(JSON.parse((buildBody(null, ev) as { body: string }).body)).toEqual({
      type: 'NEW_TIME_ENTRY',
      timestamp: '2026-12-01T10:00:00.000Z',
      workspaceId: 'ws1',
      data: ev.payload,
    });
  });
  it('renders a transformation, and reports one that does not resolve', () => {
    const r = buildBody({ text: '{{ webhook.description | upper }}', h: '{{ webhook.hours }}' }, ev);
    expect(r).toEqual({ ok: true, body: '{"text":"DESIGN","h":3}' });
    const bad = buildBody({ x: '{{ webhook.missing }}' }, ev);
    expect(bad.ok).toBe(false);
  });
});
