import { posix } from 'node:path';
import { ExprFault, Undef, contains, equals, isMapping, order, pyStr, pyType, truthy } from './values.js';

/** A filter gets the piped value (already defined unless `undef` says it takes Undef) and its arguments. */
interface Filter {
  fn(v: unknown, args: unknown[]): unknown;
  undef?: boolean;
}
interface Test {
  fn(v: unknown, args: unknown[]): boolean;
  undef?: boolean;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new ExprFault(`${what} needs a string, not ${pyType(v)}`);
  return v;
}
function list(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new ExprFault(`${what} needs a list, not ${pyType(v)}`);
}
function sized(v: unknown, what: string): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isMapping(v)) return Object.keys(v).length;
  throw new ExprFault(`${what} needs a string, list or dict, not ${pyType(v)}`);
}
function regex(v: unknown, flags = ''): RegExp {
  const src = str(v, 'a regular expression');
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new ExprFault(`invalid regular expression '${src}': ${(e as Error).message}`);
  }
}
const toList = (v: unknown): unknown[] =>
  Array.isArray(v) ? [...v] : typeof v === 'string' ? [...v] : isMapping(v) ? Object.keys(v) : (() => { throw new ExprFault(`cannot make a list of ${pyType(v)}`); })();

function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true', 'y', 't'].includes(v.trim().toLowerCase());
  return false;
}
function toInt(v: unknown, dflt: unknown = 0, base: unknown = 10): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    const s = v.trim();
    const b = Number(base);
    const ok = b === 16 ? /^[+-]?(0x)?[0-9a-f]+$/i : b === 8 ? /^[+-]?(0o)?[0-7]+$/i : b === 2 ? /^[+-]?(0b)?[01]+$/i : /^[+-]?[0-9]+(\.[0-9]*)?$/;
    if (ok.test(s)) return b === 10 ? Math.trunc(Number(s)) : parseInt(s.replace(/^([+-]?)0[xob]/i, '$1'), b);
  }
  return Number(dflt);
}
/** Python-style replacement text (\1, \g<name>) to JavaScript's ($1, $<name>). */
const jsReplacement = (r: string): string => r.replace(/\$/g, '$$$$').replace(/\\g<(\w+)>/g, '$<$1>').replace(/\\(\d+)/g, '$$$1');

export const FILTERS = new Map<string, Filter>([
  ['length', { fn: (v) => sized(v, 'length') }],
  ['count', { fn: (v) => sized(v, 'count') }],
  ['default', { undef: true, fn: (v, [d = '', onFalsy]) => (v instanceof Undef || v === undefined || (truthy(onFalsy) && !truthy(v)) ? d : v) }],
  ['d', { undef: true, fn: (v, [d = '', onFalsy]) => (v instanceof Undef || v === undefined || (truthy(onFalsy) && !truthy(v)) ? d : v) }],
  ['bool', { fn: (v) => toBool(v) }],
  ['int', { fn: (v, [d, base]) => toInt(v, d, base) }],
  ['float', { fn: (v, [d = 0]) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)) ? Number(v) : Number(d)) }],
  ['string', { fn: (v) => pyStr(v) }],
  ['lower', { fn: (v) => str(v, 'lower').toLowerCase() }],
  ['upper', { fn: (v) => str(v, 'upper').toUpperCase() }],
  ['capitalize', { fn: (v) => { const s = str(v, 'capitalize'); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); } }],
  ['trim', { fn: (v) => str(v, 'trim').trim() }],
  ['list', { fn: (v) => toList(v) }],
  ['join', { fn: (v, [sep = '']) => list(v, 'join').map(pyStr).join(pyStr(sep)) }],
  ['first', { fn: (v) => (typeof v === 'string' || Array.isArray(v) ? v[0] : list(v, 'first')[0]) }],
  ['last', { fn: (v) => (typeof v === 'string' || Array.isArray(v) ? v[v.length - 1] : list(v, 'last')[0]) }],
  ['regex_search', { fn: (v, [re]) => regex(re).exec(str(v, 'regex_search'))?.[0] ?? null }],
  ['regex_replace', { fn: (v, [re, repl = '']) => str(v, 'regex_replace').replace(regex(re, 'g'), jsReplacement(str(repl, 'regex_replace'))) }],
  ['replace', { fn: (v, [a, b = '']) => str(v, 'replace').split(str(a, 'replace')).join(str(b, 'replace')) }],
  ['split', { fn: (v, [sep]) => (sep === undefined ? str(v, 'split').trim().split(/\s+/).filter(Boolean) : str(v, 'split').split(str(sep, 'split'))) }],
  ['unique', { fn: (v) => list(v, 'unique').filter((x, i, a) => a.findIndex((y) => equals(x, y)) === i) }],
  ['sort', { fn: (v) => [...list(v, 'sort')].sort(order) }],
  ['reverse', { fn: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...list(v, 'reverse')].reverse()) }],
  ['min', { fn: (v) => [...list(v, 'min')].sort(order)[0] ?? null }],
  ['max', { fn: (v) => [...list(v, 'max')].sort(order).pop() ?? null }],
  ['sum', { fn: (v) => list(v, 'sum').reduce((a: number, b) => a + Number(b), 0) }],
  ['abs', { fn: (v) => Math.abs(Number(v)) }],
  ['round', { fn: (v, [p = 0]) => Math.round(Number(v) * 10 ** Number(p)) / 10 ** Number(p) }],
  ['basename', { fn: (v) => posix.basename(str(v, 'basename')) }],
  ['dirname', { fn: (v) => posix.dirname(str(v, 'dirname')) }],
  ['b64encode', { fn: (v) => Buffer.from(str(v, 'b64encode')).toString('base64') }],
  ['b64decode', { fn: (v) => Buffer.from(str(v, 'b64decode'), 'base64').toString('utf8') }],
  ['to_json', { fn: (v) => JSON.stringify(v) }],
  ['from_json', { fn: (v) => { try { return JSON.parse(str(v, 'from_json')); } catch (e) { throw new ExprFault(`from_json: ${(e as Error).message}`); } } }],
  ['dict2items', { fn: (v) => { if (!isMapping(v)) throw new ExprFault(`dict2items needs a dict, not ${pyType(v)}`); return Object.keys(v).map((key) => ({ key, value: v[key] })); } }],
]);

function result(v: unknown, test: string): Record<string, unknown> {
  if (!isMapping(v)) throw new ExprFault(`'is ${test}' needs a registered task result, not ${pyType(v)}`);
  return v;
}
function versionCmp(a: string, b: string): number {
  const pa = a.split(/[.\-+]/);
  const pb = b.split(/[.\-+]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const c = !isNaN(nx) && !isNaN(ny) ? nx - ny : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}
const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0, lt: (c) => c < 0, '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0, '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0, '!=': (c) => c !== 0, ne: (c) => c !== 0,
};

export const TESTS = new Map<string, Test>([
  ['defined', { undef: true, fn: (v) => !(v instanceof Undef) }],
  ['undefined', { undef: true, fn: (v) => v instanceof Undef }],
  ['none', { fn: (v) => v === null || v === undefined }],
  ['string', { fn: (v) => typeof v === 'string' }],
  ['number', { fn: (v) => typeof v === 'number' }],
  ['integer', { fn: (v) => typeof v === 'number' && Number.isInteger(v) }],
  ['float', { fn: (v) => typeof v === 'number' && !Number.isInteger(v) }],
  ['boolean', { fn: (v) => typeof v === 'boolean' }],
  ['mapping', { fn: (v) => isMapping(v) }],
  ['sequence', { fn: (v) => Array.isArray(v) || typeof v === 'string' }],
  ['iterable', { fn: (v) => Array.isArray(v) || typeof v === 'string' || isMapping(v) }],
  ['truthy', { fn: (v) => truthy(v) }],
  ['falsy', { fn: (v) => !truthy(v) }],
  ['true', { fn: (v) => v === true }],
  ['false', { fn: (v) => v === false }],
  ['succeeded', { fn: (v) => !truthy(result(v, 'succeeded').failed) }],
  ['success', { fn: (v) => !truthy(result(v, 'success').failed) }],
  ['failed', { fn: (v) => truthy(result(v, 'failed').failed) }],
  ['failure', { fn: (v) => truthy(result(v, 'failure').failed) }],
  ['changed', { fn: (v) => truthy(result(v, 'changed').changed) }],
  ['skipped', { fn: (v) => truthy(result(v, 'skipped').skipped) }],
  ['match', { fn: (v, [re]) => regex(`^(?:${str(re, 'match')})`).test(str(v, 'match')) }],
  ['search', { fn: (v, [re]) => regex(re).test(str(v, 'search')) }],
  ['regex', { fn: (v, [re]) => regex(re).test(str(v, 'regex')) }],
  ['in', { fn: (v, [seq]) => contains(seq, v) }],
  ['contains', { fn: (v, [item]) => contains(v, item) }],
  ['equalto', { fn: (v, [x]) => equals(v, x) }],
  ['eq', { fn: (v, [x]) => equals(v, x) }],
  ['divisibleby', { fn: (v, [n]) => Number(v) % Number(n) === 0 }],
  ['even', { fn: (v) => Number(v) % 2 === 0 }],
  ['odd', { fn: (v) => Math.abs(Number(v) % 2) === 1 }],
  ['version', {
    fn: (v, [other, op = '==']) => {
      const check = VERSION_OPS[str(op, 'version')];
      if (!check) throw new ExprFault(`unknown version operator '${op}'`);
      return check(versionCmp(pyStr(v), pyStr(other)));
    },
  }],
]);

type Method = (self: never, args: unknown[]) => unknown;
const STRING_METHODS: Record<string, (s: string, a: unknown[]) => unknown> = {
  startswith: (s, [p]) => (Array.isArray(p) ? p : [p]).some((x) => s.startsWith(str(x, 'startswith'))),
  endswith: (s, [p]) => (Array.isArray(p) ? p : [p]).some((x) => s.endsWith(str(x, 'endswith'))),
  split: (s, [sep, max]) => {
    const parts = sep === undefined || sep === null ? s.trim().split(/\s+/).filter(Boolean) : s.split(str(sep, 'split'));
    if (max === undefined || Number(max) < 0 || parts.length <= Number(max) + 1) return parts;
    const n = Number(max);
    return [...parts.slice(0, n), parts.slice(n).join(sep === undefined || sep === null ? ' ' : String(sep))];
  },
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  strip: (s, [c]) => (c === undefined ? s.trim() : s.replace(new RegExp(`^[${escapeClass(str(c, 'strip'))}]+|[${escapeClass(String(c))}]+$`, 'g'), '')),
  lstrip: (s) => s.trimStart(),
  rstrip: (s) => s.trimEnd(),
  replace: (s, [a, b]) => s.split(str(a, 'replace')).join(str(b, 'replace')),
  find: (s, [x]) => s.indexOf(str(x, 'find')),
  join: (s, [items]) => list(items, 'join').map(pyStr).join(s),
  isdigit: (s) => /^[0-9]+$/.test(s),
};
const escapeClass = (s: string): string => s.replace(/[\\\]^-]/g, '\\$&');
const DICT_METHODS: Record<string, (d: Record<string, unknown>, a: unknown[]) => unknown> = {
  keys: (d) => Object.keys(d),
  values: (d) => Object.keys(d).map((k) => d[k]),
  items: (d) => Object.keys(d).map((k) => [k, d[k]]),
  get: (d, [k, dflt = null]) => (Object.prototype.hasOwnProperty.call(d, String(k)) ? d[String(k)] : dflt),
};
const LIST_METHODS: Record<string, (l: unknown[], a: unknown[]) => unknown> = {
  index: (l, [x]) => {
    const i = l.findIndex((y) => equals(x, y));
    if (i < 0) throw new ExprFault(`${pyStr(x)} is not in list`);
    return i;
  },
  count: (l, [x]) => l.filter((y) => equals(x, y)).length,
};

/** `obj.method(args)`: only these known methods, never arbitrary functions. */
export function callMethod(obj: unknown, name: string, args: unknown[]): unknown {
  const table: Record<string, Method> | undefined =
    typeof obj === 'string' ? STRING_METHODS : Array.isArray(obj) ? LIST_METHODS : isMapping(obj) ? DICT_METHODS : undefined;
  if (!table || !Object.prototype.hasOwnProperty.call(table, name)) {
    throw new ExprFault(`${pyType(obj)} has no method '${name}'`);
  }
  return (table[name] as (o: unknown, a: unknown[]) => unknown)(obj, args);
}
