import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { HelperOptions } from 'handlebars';
import { stringify as toYaml } from 'yaml';
import { quote } from '../commands/quote.js';
import { equals, order, truthy } from '../expr/values.js';
import * as net from './network.js';
import { toPlain } from './plain.js';

/** A helper failed; render.ts adds the template position. */
export class HelperFault extends Error {
  constructor(
    message: string,
    readonly loc?: { start: { line: number; column: number } },
  ) {
    super(message);
  }
}

type Fn = (...args: unknown[]) => unknown;

const str = (v: unknown, helper: string, what = 'a string'): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`${helper} needs ${what}, got ${v === undefined ? 'undefined' : JSON.stringify(toPlain(v, false))}`);
};
const plain = (v: unknown): unknown => toPlain(v, false);
const num = (v: unknown, helper: string): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`${helper} needs a number, got ${JSON.stringify(v)}`);
  return n;
};
const list = (v: unknown, helper: string): unknown[] => {
  if (Array.isArray(v)) return v;
  throw new Error(`${helper} needs a list, got ${v === undefined ? 'undefined' : typeof v}`);
};
const HASHES = new Set(['md5', 'sha1', 'sha256', 'sha512']);

/** Helpers by name; each receives its arguments without handlebars' options object. */
export const HELPERS: Record<string, Fn> = {
  default: (v, d, onFalsy) => (v === undefined || v === null || (onFalsy === true && !truthy(v)) ? d : v),
  defined: (v) => v !== undefined,
  join: (v, sep) => list(v, 'join').map((x) => String(plain(x))).join(sep === undefined ? '' : str(sep, 'join')),
  to_json: (v) => JSON.stringify(plain(v) ?? null),
  to_nice_json: (v, indent) => JSON.stringify(plain(v) ?? null, null, indent === undefined ? 4 : num(indent, 'to_nice_json')),
  to_yaml: (v) => toYaml(plain(v) ?? null).replace(/\n$/, ''),
  to_nice_yaml: (v) => toYaml(plain(v) ?? null, { indent: 2 }),
  eq: (a, b) => equals(a, b),
  ne: (a, b) => !equals(a, b),
  lt: (a, b) => order(a, b) < 0,
  le: (a, b) => order(a, b) <= 0,
  gt: (a, b) => order(a, b) > 0,
  ge: (a, b) => order(a, b) >= 0,
  and: (...xs) => xs.every(truthy),
  or: (...xs) => xs.some(truthy),
  not: (x) => !truthy(x),
  /** Jinja's indent: every line but the first (unless `first`) gets `width` spaces. */
  indent: (text, width, first) => {
    const pad = ' '.repeat(width === undefined ? 4 : num(width, 'indent'));
    return str(text, 'indent')
      .split('\n')
      .map((l, i) => ((i > 0 || first === true) && l !== '' ? pad + l : l))
      .join('\n');
  },
  lower: (s) => str(s, 'lower').toLowerCase(),
  upper: (s) => str(s, 'upper').toUpperCase(),
  trim: (s) => str(s, 'trim').trim(),
  replace: (s, a, b) => str(s, 'replace').split(str(a, 'replace')).join(b === undefined ? '' : str(b, 'replace')),
  regex_replace: (s, re, repl) => str(s, 'regex_replace').replace(new RegExp(str(re, 'regex_replace'), 'g'), repl === undefined ? '' : str(repl, 'regex_replace')),
  split: (s, sep) => str(s, 'split').split(sep === undefined ? ',' : str(sep, 'split')),
  basename: (p) => posix.basename(str(p, 'basename')),
  dirname: (p) => posix.dirname(str(p, 'dirname')),
  b64encode: (s) => Buffer.from(str(s, 'b64encode')).toString('base64'),
  b64decode: (s) => Buffer.from(str(s, 'b64decode'), 'base64').toString('utf8'),
  hash: (algo, s) => {
    const a = str(algo, 'hash', 'an algorithm name');
    if (!HASHES.has(a)) throw new Error(`hash: unknown algorithm '${a}' (use ${[...HASHES].join(', ')})`);
    return createHash(a).update(str(s, 'hash')).digest('hex');
  },
  sha256: (s) => createHash('sha256').update(str(s, 'sha256')).digest('hex'),
  quote: (s) => quote(str(s, 'quote')),
  length: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : num(undefined, 'length')),
  first: (v) => list(v, 'first')[0],
  last: (v) => {
    const l = list(v, 'last');
    return l[l.length - 1];
  },
  contains: (coll, item) => (typeof coll === 'string' ? coll.includes(str(item, 'contains')) : list(coll, 'contains').some((x) => equals(x, item))),
  concat: (...xs) => xs.map((x) => String(plain(x) ?? '')).join(''),
  int: (v) => Math.trunc(num(v, 'int')),
  /** lookup obj k1 k2 ...: nested keys; a missing one is an error naming the path. */
  lookup: (obj, ...keys) => {
    let cur = obj;
    const seen: string[] = [];
    for (const k of keys) {
      const key = String(k);
      if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) {
        throw new Error(`lookup: '${[...seen, key].join('.')}' not found`);
      }
      seen.push(key);
      cur = (cur as Record<string, unknown>)[key];
    }
    return cur;
  },
  ipaddr: (c) => net.ipaddr(str(c, 'ipaddr', 'an address or CIDR')),
  prefix: (c) => net.prefixlen(str(c, 'prefix', 'a CIDR')),
  prefixlen: (c) => net.prefixlen(str(c, 'prefixlen', 'a CIDR')),
  netmask: (c) => net.netmask(str(c, 'netmask', 'a CIDR')),
  network: (c) => net.network(str(c, 'network', 'a CIDR')),
  network_cidr: (c) => net.networkCidr(str(c, 'network_cidr', 'a CIDR')),
  broadcast: (c) => net.broadcast(str(c, 'broadcast', 'a CIDR')),
  nthhost: (c, n) => net.nthhost(str(c, 'nthhost', 'a CIDR'), num(n, 'nthhost')),
  host_cidr: (c, n) => net.hostCidr(str(c, 'host_cidr', 'a CIDR'), num(n, 'host_cidr')),
  ip_in_cidr: (a, c) => net.ipInCidr(str(a, 'ip_in_cidr', 'an address'), str(c, 'ip_in_cidr', 'a CIDR')),
  ipmath: (a, n) => net.ipmath(str(a, 'ipmath', 'an address'), num(n, 'ipmath')),
  ip2int: (a) => net.ipToInt(str(a, 'ip2int', 'an address')),
  int2ip: (n) => net.intToIp(typeof n === 'string' ? n : num(n, 'int2ip')),
  router_id: (base, index) => net.routerId(typeof base === 'number' ? base : str(base, 'router_id', 'an IPv4 address'), index === undefined ? undefined : num(index, 'router_id')),
};

/** Names whose first argument may be undefined (everything else is strict). */
export const SOFT_HELPERS: Record<string, 'first' | 'all'> = { default: 'first', defined: 'all', if: 'first', unless: 'first' };

/** Register the helpers on a handlebars instance: options stripped, failures carry their place. */
export function installHelpers(hb: typeof import('handlebars')): void {
  for (const [name, fn] of Object.entries(HELPERS)) {
    hb.registerHelper(name, function (this: unknown, ...args: unknown[]) {
      const options = args.pop() as HelperOptions & { loc?: HelperFault['loc'] };
      try {
        return fn(...args);
      } catch (e) {
        if (e instanceof HelperFault) throw e;
        const msg = e instanceof net.NetFault ? e.message : `${name}: ${(e as Error).message.replace(new RegExp(`^${name}: `), '')}`;
        throw new HelperFault(msg, options.loc);
      }
    });
  }
}
