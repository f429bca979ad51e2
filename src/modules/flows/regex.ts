/**
 * Regular expressions for the `matches` operator. User patterns run on webhook bodies from strangers,
 * so they go through RE2JS (a pure-JS port of RE2: linear time in the input, no backtracking, no
 * lookaround or backreferences) rather than the backtracking `RegExp`. Patterns, their compiled
 * program and the input are size-capped; a pattern that does not compile is refused when the flow is
 * saved.
 */
import { RE2JS } from 're2js';

export type RegexLimits = {
  /** Characters in a pattern. */
  maxPatternLength: number;
  /** Instructions in the compiled program (`x{1000}` compiles to ~1000). */
  maxProgramSize: number;
  /** Characters of input a pattern is run on; longer input is an error, not a silent truncation. */
  maxInputLength: number;
};

export const DEFAULT_REGEX_LIMITS: Readonly<RegexLimits> = Object.freeze({
  maxPatternLength: 512,
  maxProgramSize: 5_000,
  maxInputLength: 65_536,
});

export type CompiledRegex = {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
  test(input: string): boolean;
};

export type RegexCheck = { ok: true; regex: CompiledRegex } | { ok: false; message: string };

const cache = new Map<string, CompiledRegex>();
const MAX_CACHE = 500;

function limitsOf(limits?: Partial<RegexLimits>): RegexLimits {
  return limits === undefined ? DEFAULT_REGEX_LIMITS : { ...DEFAULT_REGEX_LIMITS, ...limits };
}

/** Compiles a pattern (RE2 syntax). Never throws: a bad or oversized pattern is `{ ok: false, message }`. */
export function compileRegex(
  pattern: unknown,
  caseInsensitive = false,
  limits?: Partial<RegexLimits>,
): RegexCheck {
  if (typeof pattern !== 'string') return { ok: false, message: 'a pattern must be a string' };
  const l = limitsOf(limits);
  if (pattern.length > l.maxPatternLength)
    return { ok: false, message: `a pattern may be at most ${l.maxPatternLength} characters` };
  const key = `${caseInsensitive ? 'i' : '-'}${pattern}`;
  const hit = limits === undefined ? cache.get(key) : undefined;
  if (hit !== undefined) return { ok: true, regex: hit };
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : 'invalid';
    return { ok: false, message: `invalid regular expression: ${detail.slice(0, 200)}` };
  }
  if (re.programSize() > l.maxProgramSize)
    return { ok: false, message: `the pattern is too complex (more than ${l.maxProgramSize} instructions)` };
  const compiled: CompiledRegex = Object.freeze({
    pattern,
    caseInsensitive,
    test: (input: string) => re.test(input),
  });
  if (limits === undefined) {
    if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value!);
    cache.set(key, compiled);
  }
  return { ok: true, regex: compiled };
}

export type RegexTest = { ok: true; matched: boolean } | { ok: false; message: string };

/** Unanchored search (like `RegExp.prototype.test`); anchor with `^…$` for a full match. */
export function testRegex(
  pattern: unknown,
  input: string,
  caseInsensitive = false,
  limits?: Partial<RegexLimits>,
): RegexTest {
  const l = limitsOf(limits);
  const c = compileRegex(pattern, caseInsensitive, limits);
  if (!c.ok) return c;
  if (input.length > l.maxInputLength)
    return { ok: false, message: `the value is longer than ${l.maxInputLength} characters` };
  try {
    return { ok: true, matched: c.regex.test(input) };
  } catch {
    return { ok: false, message: 'the pattern could not be run on this value' };
  }
}
