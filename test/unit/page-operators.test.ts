import { describe, expect, it } from 'vitest';
import { OPERATORS } from '../../src/modules/flows/conditions.js';

// A browser module (plain JS, no types): imported by a path the type checker does not follow.
const PAGE_OPERATORS = '../../public/js/operators.js';

describe("the admin page's condition operators", () => {
  it('are the flows language’s operators, in its order', async () => {
    const page = (await import(PAGE_OPERATORS)) as { OPERATORS: string[]; UNARY: Set<string> };
    expect(page.OPERATORS).toEqual([...OPERATORS]);
    expect([...page.UNARY].every((o) => page.OPERATORS.includes(o))).toBe(true);
  });
});
