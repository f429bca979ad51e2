// The flows' condition operators (src/modules/flows/conditions.ts, OPERATORS), for the condition rows of the
// flow editor and the endpoint filter editor. test/unit/page-operators.test.ts keeps the two lists equal.
export const OPERATORS = [
  '==',
  '!=',
  '>',
  '<',
  '>=',
  '<=',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'in',
  'not_in',
  'exists',
  'not_exists',
  'matches',
];
/** Operators that take no value. */
export const UNARY = new Set(['exists', 'not_exists']);
