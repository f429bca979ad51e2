/** Small helpers over JSON-like data shared by conditions and templates. Pure. */
import { PROTOTYPE_KEYS } from '../../platform/jsonpath.js';

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An own data property, or undefined. Never runs a getter and never reads the prototype chain, so a
 * path such as `webhook.toString` or `webhook.__proto__` finds nothing.
 */
export function ownValue(v: unknown, key: string): { found: true; value: unknown } | { found: false } {
  if (typeof v !== 'object' || v === null || PROTOTYPE_KEYS.has(key)) return { found: false };
  const d = Object.getOwnPropertyDescriptor(v, key);
  if (d === undefined || !('value' in d)) return { found: false };
  return { found: true, value: d.value as unknown };
}

export const MAX_VALUE_DEPTH = 100;

/**
 * The length of `JSON.stringify(value)`, computed without building it, or `Infinity` once it exceeds
 * `max` (or the value nests deeper than MAX_VALUE_DEPTH). Bounded by `max`, not by the value's size.
 */
export function jsonLength(value: unknown, max: number): number {
  let total = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > MAX_VALUE_DEPTH) return Infinity;
    if (typeof v === 'string') total += v.length + 2;
    else if (typeof v === 'number') total += Number.isFinite(v) ? String(v).length : 4;
    else if (typeof v === 'boolean') total += v ? 4 : 5;
    else if (v === null || v === undefined) total += 4;
    else if (Array.isArray(v)) {
      total += 2 + Math.max(0, v.length - 1);
      if (total > max) return Infinity; // before touching the items: a sparse array may claim any length
      for (const x of v as unknown[]) stack.push([x, depth + 1]);
    } else if (typeof v === 'object') {
      const keys = Object.keys(v);
      total += 2 + Math.max(0, keys.length - 1);
      if (total > max) return Infinity;
      for (const k of keys) {
        total += k.length + 3;
        stack.push([(v as Record<string, unknown>)[k], depth + 1]);
      }
    } else total += 4;
    if (total > max) return Infinity;
  }
  return total;
}

/** `JSON.stringify`, or undefined when the result would exceed `max` characters. */
export function boundedJson(value: unknown, max: number): string | undefined {
  if (jsonLength(value, max) > max) return undefined;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return undefined;
  }
}

/** A short display form of a value for traces and messages. */
export function preview(value: unknown, max = 200): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  const json = boundedJson(value, max);
  return json ?? `${Array.isArray(value) ? 'an array' : 'an object'} (too large to show)`;
}

export const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

/**
 * A deep copy of JSON-like data, built with data properties only (a `__proto__` key in the data stays
 * a plain own key and changes no prototype). Returns undefined when it nests too deep.
 */
export function cloneData(value: unknown, depth = 0): { ok: true; value: unknown } | { ok: false } {
  if (depth > MAX_VALUE_DEPTH) return { ok: false };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const x of value as unknown[]) {
      const c = cloneData(x, depth + 1);
      if (!c.ok) return c;
      out.push(c.value);
    }
    return { ok: true, value: out };
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const c = cloneData((value as Record<string, unknown>)[k], depth + 1);
      if (!c.ok) return c;
      defineData(out, k, c.value);
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

/** Sets an own enumerable data property even for `__proto__` (assignment would change the prototype). */
export function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `base.key`, `base[0]`, or `base["odd key"]`: the location format of validation issues and errors. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}
