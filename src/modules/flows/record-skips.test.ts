import { describe, expect, it } from 'vitest';
import { evaluate } from './conditions.js';
import { MAX_SKIP_REASON_CHARS, describeSkip } from './record-skips.js';

const ctx = {
  webhook: { name: 'Zeus', billable: false, tags: ['a'] },
  event: { id: 'evt', type: 'NEW_PROJECT', source: 'clockify', receivedAt: '2026-06-01T10:00:00.000Z' },
  workspace: { id: 'ws' },
};

describe('describeSkip', () => {
  it('names the rules that decided, with the actual value or its absence', () => {
    const e = evaluate(
      {
        mode: 'ANY',
        rules: [
          { path: '$.webhook.name', op: '==', value: 'Apollo' },
          {
            mode: 'ALL',
            rules: [
              { path: '$.webhook.billable', op: '==', value: false },
              { path: '$.webhook.client', op: 'exists' },
            ],
          },
        ],
      },
      ctx,
    );
    expect(e.result).toBe(false);
    expect(describeSkip(e)).toBe(
      'conditions did not hold: conditions.rules[0]: $.webhook.name == "Apollo" (actual "Zeus"); ' +
        'conditions.rules[1].rules[1]: $.webhook.client exists (not found)',
    );
  });

  it('says when the trigger filter decided, and an empty ANY group', () => {
    const f = evaluate({ mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value: true }] }, ctx, {
      location: 'trigger.filter',
    });
    expect(describeSkip(f)).toBe(
      'trigger filter did not hold: trigger.filter.rules[0]: $.webhook.billable == true (actual false)',
    );
    expect(describeSkip(evaluate({ mode: 'ANY', rules: [] }, ctx))).toBe(
      'conditions did not hold (an empty ANY group)',
    );
  });

  it('is bounded however many rules failed', () => {
    const rules = Array.from({ length: 100 }, (_, i) => ({
      path: `$.webhook.f${i}`,
      op: '==' as const,
      value: 'x'.repeat(50),
    }));
    const text = describeSkip(evaluate({ mode: 'ANY', rules }, ctx));
    expect(text.length).toBe(MAX_SKIP_REASON_CHARS);
    expect(text.endsWith('…')).toBe(true);
  });
});
