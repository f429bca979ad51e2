import { describe, expect, it } from 'vitest';
import { compileRegex, testRegex } from './regex.js';

describe('compileRegex', () => {
  it('compiles RE2 syntax, case-sensitive unless asked', () => {
    expect(testRegex('^JIRA-\\d+$', 'JIRA-42')).toEqual({ ok: true, matched: true });
    expect(testRegex('^jira-\\d+$', 'JIRA-42')).toEqual({ ok: true, matched: false });
    expect(testRegex('^jira-\\d+$', 'JIRA-42', true)).toEqual({ ok: true, matched: true });
    expect(testRegex('(?i)^jira', 'JIRA-42')).toEqual({ ok: true, matched: true });
    expect(testRegex('\\p{Greek}+', 'αβγ')).toEqual({ ok: true, matched: true });
  });

  it('searches unanchored, like RegExp.test', () => {
    expect(testRegex('bug', 'Fix Login bug now')).toEqual({ ok: true, matched: true });
  });

  it('refuses what RE2 cannot do in linear time: backreferences and lookaround', () => {
    for (const p of ['(a)\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b']) {
      const r = compileRegex(p);
      expect(r.ok, p).toBe(false);
    }
  });

  it('refuses invalid patterns with the parser message', () => {
    const r = compileRegex('(a');
    expect(r).toEqual({
      ok: false,
      message: expect.stringMatching(/^invalid regular expression: missing closing \)/),
    });
    expect(compileRegex('[').ok).toBe(false);
    expect(compileRegex('x{2,1}').ok).toBe(false);
    expect(compileRegex(42).ok).toBe(false);
  });

  it('caps pattern length, program size and input length', () => {
    expect(compileRegex('a'.repeat(600))).toEqual({
      ok: false,
      message: 'a pattern may be at most 512 characters',
    });
    expect(compileRegex('((a{100}){100}){100}').ok).toBe(false); // RE2 refuses the repeat count
    expect(compileRegex('.{1000}.{1000}.{1000}.{1000}.{1000}.{1000}')).toEqual({
      ok: false,
      message: expect.stringMatching(/too complex/),
    });
    expect(testRegex('a', 'a'.repeat(70_000))).toEqual({
      ok: false,
      message: 'the value is longer than 65536 characters',
    });
    expect(testRegex('a', 'a'.repeat(100), false, { maxInputLength: 10 }).ok).toBe(false);
  });

  it('runs a catastrophic-backtracking pattern in linear time: (a+)+$ on 50k a’s and a !', () => {
    const input = `${'a'.repeat(50_000)}!`;
    expect(testRegex('(a+)+$', input)).toEqual({ ok: true, matched: false });
    expect(testRegex('(a|aa)+$', input)).toEqual({ ok: true, matched: false });
    expect(testRegex('(a+)+!$', input)).toEqual({ ok: true, matched: true });
    expect(testRegex('^(([a-z])+.)+[A-Z]([a-z])+$', input)).toEqual({ ok: true, matched: false });
  });
});
