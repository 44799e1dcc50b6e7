import type { Host, InventoryData } from './model.js';
import { parseAddress } from './ranges.js';

/** A host pattern that cannot be evaluated (bad regex, subscript out of range). */
export class PatternError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '::1'];

/** `a,b` or `a:b:&c:!d` into parts; a single host[:port] or range stays whole. */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p);
}

/** Plain parts first, then `&` intersections, then `!` exclusions; only exclusions means all minus them. */
function orderParts(parts: string[]): string[] {
  const plain = parts.filter((p) => p[0] !== '!' && p[0] !== '&');
  const and = parts.filter((p) => p[0] === '&');
  const not = parts.filter((p) => p[0] === '!');
  return [...(plain.length ? plain : ['all']), ...and, ...not];
}

/** Shell glob to an anchored regex (`*`, `?`, `[seq]`, `[!seq]`). */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j >= glob.length) re += '\\[';
      else {
        let body = glob.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body[0] === '!') body = '^' + body.slice(1);
        else if (body[0] === '^') body = '\\' + body;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

function matcher(pattern: string): RegExp {
  if (pattern[0] !== '~') return globToRegExp(pattern);
  try {
    return new RegExp(`^(?:${pattern.slice(1)})`);
  } catch (e) {
    throw new PatternError(`invalid regular expression in host pattern '${pattern}': ${(e as Error).message}`, 'after ~ comes a regular expression matched against host and group names');
  }
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

/** Evaluate a host pattern against the inventory, in Ansible's order. */
export function evaluatePattern(data: InventoryData, pattern: string, implicitHost: (name: string) => Host): Host[] {
  const parts = orderParts(splitPattern(pattern));
  let hosts: Host[] = [];
  for (const p of parts) {
    const direct = data.hosts.get(p);
    if (direct) {
      hosts.push(direct);
      continue;
    }
    const found = matchOne(data, p[0] === '!' || p[0] === '&' ? p.slice(1) : p, implicitHost);
    if (p[0] === '!') {
      const drop = new Set(found);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (p[0] === '&') {
      const keep = new Set(found);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const have = new Set(hosts.map((h) => h.name));
      hosts.push(...found.filter((h) => !have.has(h.name)));
    }
  }
  return [...new Set(hosts)];
}

function matchOne(data: InventoryData, pattern: string, implicitHost: (name: string) => Host): Host[] {
  if (!pattern) throw new PatternError("empty part in host pattern ('&' or '!' with nothing after it)", "write 'web:&prod' or 'web:!db'");
  let expr = pattern;
  let sub: [number, number | undefined] | undefined;
  const m = pattern[0] === '~' ? null : SUBSCRIPT.exec(pattern);
  if (m) {
    expr = m[1];
    sub = m[2] !== undefined ? [Number(m[2]), undefined] : [Number(m[3]), m[5] ? Number(m[5]) : -1];
  }
  const hosts = enumerate(data, expr, implicitHost);
  if (!sub || !hosts.length) return hosts;
  const [start, end] = sub;
  if (end) return hosts.slice(start, (end === -1 ? hosts.length - 1 : end) + 1);
  const at = start < 0 ? hosts.length + start : start;
  if (at < 0 || at >= hosts.length)
    throw new PatternError(`no host at index ${start} in '${pattern}': it matches ${hosts.length} host(s)`, `indexes start at 0; use ${expr}[0:${hosts.length - 1}] for all of them`);
  return [hosts[at]];
}

function enumerate(data: InventoryData, pattern: string, implicitHost: (name: string) => Host): Host[] {
  const re = matcher(pattern);
  const results: Host[] = [];
  let groupMatched = false;
  for (const [name, g] of data.groups)
    if (re.test(name)) {
      groupMatched = true;
      results.push(...g.allHosts());
    }
  if (!groupMatched || pattern[0] === '~' || /[.?*[]/.test(pattern))
    for (const [name, h] of data.hosts) if (re.test(name)) results.push(h);
  if (!results.length && LOCALHOST_NAMES.includes(pattern)) results.push(implicitHost(pattern));
  return results;
}
