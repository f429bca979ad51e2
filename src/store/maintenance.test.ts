import { describe, expect, it } from 'vitest';
import { AUTOVACUUM_DEFAULTS, grownPastPlans, planMaintenance } from './maintenance.js';

const table = (over: Partial<Parameters<typeof planMaintenance>[0][number]>) => ({
  table: 't',
  liveRows: 0,
  deadRows: 0,
  modifiedSinceAnalyze: 0,
  ...over,
});

describe('planMaintenance (autovacuum rule: threshold + scale factor × live rows)', () => {
  it('analyzes a table once more rows changed than 50 + 10 % of its rows', () => {
    expect(planMaintenance([table({ liveRows: 1_000, modifiedSinceAnalyze: 150 })]).analyze).toEqual([]);
    expect(planMaintenance([table({ liveRows: 1_000, modifiedSinceAnalyze: 151 })]).analyze).toEqual(['t']);
    // A new table: the first 51 rows make it due.
    expect(planMaintenance([table({ modifiedSinceAnalyze: 51 })]).analyze).toEqual(['t']);
  });

  it('vacuums a table once it holds more dead rows than 50 + 20 % of its live rows', () => {
    expect(planMaintenance([table({ liveRows: 1_000, deadRows: 250 })]).vacuum).toEqual([]);
    expect(planMaintenance([table({ liveRows: 1_000, deadRows: 251 })]).vacuum).toEqual(['t']);
  });

  it('leaves quiet tables alone and plans each table on its own', () => {
    const plan = planMaintenance([
      table({ table: 'quiet', liveRows: 10_000, deadRows: 10, modifiedSinceAnalyze: 10 }),
      table({ table: 'queue', liveRows: 100, deadRows: 5_000, modifiedSinceAnalyze: 5_000 }),
      table({ table: 'log', liveRows: 100, modifiedSinceAnalyze: 500 }),
    ]);
    expect(plan).toEqual({ vacuum: ['queue'], analyze: ['queue', 'log'] });
  });

  it('takes other thresholds, and an unknown row count (-1) as none', () => {
    const t = { ...AUTOVACUUM_DEFAULTS, analyzeThreshold: 0, analyzeScaleFactor: 0 };
    expect(planMaintenance([table({ liveRows: -1, modifiedSinceAnalyze: 1 })], t).analyze).toEqual(['t']);
  });
});

describe('grownPastPlans (between full passes: tables whose plans were made for far fewer rows)', () => {
  it('takes a table holding twice the rows the planner plans with, from 200 rows on', () => {
    expect(grownPastPlans([table({ liveRows: 400, plannedRows: 200 })])).toEqual(['t']);
    expect(grownPastPlans([table({ liveRows: 399, plannedRows: 200 })])).toEqual([]);
    // Never analyzed (-1) or planned as empty: due once it holds 200 rows, not before.
    expect(grownPastPlans([table({ liveRows: 200, plannedRows: -1 })])).toEqual(['t']);
    expect(grownPastPlans([table({ liveRows: 199, plannedRows: 0 })])).toEqual([]);
  });

  it('leaves a large steady table alone however many of its rows change', () => {
    expect(
      grownPastPlans([table({ liveRows: 50_000, plannedRows: 48_000, modifiedSinceAnalyze: 40_000 })]),
    ).toEqual([]);
  });
});
