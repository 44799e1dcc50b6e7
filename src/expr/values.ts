import { Secret } from '../commands/secret.js';
import { revealTracked } from '../template/secrets.js';

/** An undefined variable (or missing key), carried until something needs its value. */
export class Undef {
  constructor(
    readonly name: string,
    readonly pos: number,
  ) {}
}

/** A problem while evaluating; the evaluator adds the position. */
export class ExprFault extends Error {}

export const isUndef = (v: unknown): v is Undef => v instanceof Undef;

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Undef) && !(v instanceof Secret);
}

/** Secrets become their text here; the render is marked as having read a secret. */
export function unwrap(v: unknown): unknown {
  return v instanceof Secret ? revealTracked(v) : v;
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

export function pyType(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

function repr(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : pyStr(v);
}

/** Text of a value as Ansible would print it (True, None, ['a', 1]). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  if (isMapping(v)) return `{${Object.keys(v).map((k) => `${repr(k)}: ${repr(v[k])}`).join(', ')}}`;
  return String(v);
}

export function equals(a: unknown, b: unknown): boolean {
  a = unwrap(a);
  b = unwrap(b);
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'boolean' || typeof b === 'boolean') return numeric(a) && numeric(b) && Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equals(a[k], b[k]));
  }
  return false;
}

const numeric = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';

/** Python ordering: numbers with numbers, strings with strings, lists element-wise. */
export function order(a: unknown, b: unknown): number {
  a = unwrap(a);
  b = unwrap(b);
  if (numeric(a) && numeric(b)) return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = order(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new ExprFault(`cannot compare ${pyType(a)} with ${pyType(b)}`);
}

export function contains(container: unknown, item: unknown): boolean {
  container = unwrap(container);
  item = unwrap(item);
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new ExprFault(`'in <str>' needs a string on the left, not ${pyType(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => equals(x, item));
  if (isMapping(container)) return typeof item === 'string' || typeof item === 'number' ? Object.prototype.hasOwnProperty.call(container, String(item)) : false;
  throw new ExprFault(`'in' needs a string, list or dict on the right, not ${pyType(container)}`);
}

/** obj.key / obj[key]: own keys only (never the prototype); missing gives Undef. */
export function member(obj: unknown, key: unknown, name: string, pos: number): unknown {
  obj = unwrap(obj);
  if (obj instanceof Undef) return new Undef(obj.name, obj.pos);
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key === 'number' && Number.isInteger(key)) {
      const i = key < 0 ? obj.length + key : key;
      return i >= 0 && i < obj.length ? unwrap(obj[i]) : new Undef(name, pos);
    }
    return new Undef(name, pos);
  }
  if (isMapping(obj)) {
    const k = typeof key === 'number' || typeof key === 'boolean' ? String(key) : key;
    if (typeof k === 'string' && Object.prototype.hasOwnProperty.call(obj, k)) return unwrap(obj[k]);
    return new Undef(name, pos);
  }
  return new Undef(name, pos);
}
