import { describe, expect, it } from 'vitest';
import { serverSettingWarnings } from './server-checks.js';

describe('serverSettingWarnings', () => {
  it('warns when autovacuum is off, in words that say what to do', () => {
    expect(serverSettingWarnings({ autovacuum: 'off' })).toEqual([
      expect.stringMatching(/autovacuum is off.*turn it on/),
    ]);
  });

  it('says nothing when autovacuum is on', () => {
    expect(serverSettingWarnings({ autovacuum: 'on' })).toEqual([]);
  });
});
