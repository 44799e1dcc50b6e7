import { fail } from '../../errors.js';

/** A requested file mode: an exact octal value or chmod-style symbolic clauses. */
export type Mode = { octal: number } | { symbolic: string };

/**
 * mode as written in a task: a number is the mode itself (YAML 0644 reads as 420),
 * a string of octal digits is octal ('0644', '644'), anything else is symbolic ('u+rwx,g-w').
 */
export function parseMode(v: unknown): Mode | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0o7777) fail('E_MODULE_ARGS', `mode ${v} is not a valid file mode`, undefined, "quote modes, e.g. mode: '0644'");
    return { octal: v };
  }
  const s = String(v).trim();
  if (/^0?[0-7]{3,4}$/.test(s)) return { octal: parseInt(s, 8) };
  if (/^[0-7]{1,2}$/.test(s)) return { octal: parseInt(s, 8) };
  const clauses = s.split(',');
  for (const c of clauses)
    if (!/^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+$/.test(c))
      fail('E_MODULE_ARGS', `mode '${s}' is neither octal nor symbolic`, undefined, "use '0644' or symbolic like 'u=rw,g=r,o='");
  return { symbolic: clauses.map((c) => (/^[ugoa]/.test(c) ? c : 'a' + c)).join(',') };
}

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007 };
const PERM_BITS = (who: string, perms: string, current: number, isDir: boolean): number => {
  let rwx = 0;
  for (const ch of perms) {
    if (ch === 'r') rwx |= 4;
    else if (ch === 'w') rwx |= 2;
    else if (ch === 'x') rwx |= 1;
    else if (ch === 'X' && (isDir || current & 0o111)) rwx |= 1;
  }
  let bits = 0;
  for (const w of who) {
    if (w === 'u') bits |= rwx << 6;
    if (w === 'g') bits |= rwx << 3;
    if (w === 'o') bits |= rwx;
  }
  if (perms.includes('s')) {
    if (who.includes('u')) bits |= 0o4000;
    if (who.includes('g')) bits |= 0o2000;
  }
  if (perms.includes('t') && who.includes('o')) bits |= 0o1000;
  return bits;
};

/** The mode a file ends with after applying `mode` to its current mode. */
export function applyMode(mode: Mode, current: number, isDir: boolean): number {
  if ('octal' in mode) return mode.octal;
  let m = current & 0o7777;
  for (const clause of mode.symbolic.split(',')) {
    const [, whoRaw, ops] = /^([ugoa]*)(.*)$/.exec(clause)!;
    const who = whoRaw.includes('a') || whoRaw === '' ? 'ugo' : whoRaw;
    for (const [, op, perms] of ops.matchAll(/([-+=])([rwxXstugo]*)/g)) {
      let bits: number;
      if (/^[ugo]$/.test(perms)) {
        const shift = perms === 'u' ? 6 : perms === 'g' ? 3 : 0;
        const rwx = (m >> shift) & 7;
        bits = 0;
        for (const w of who) bits |= rwx << (w === 'u' ? 6 : w === 'g' ? 3 : 0);
      } else bits = PERM_BITS(who, perms, m, isDir);
      if (op === '+') m |= bits;
      else if (op === '-') m &= ~bits;
      else {
        let mask = 0;
        for (const w of who) mask |= WHO[w];
        // '=' keeps setuid/setgid on directories like chmod does
        if (isDir) mask &= ~0o6000;
        m = (m & ~mask) | bits;
      }
    }
  }
  return m;
}

export const octalString = (m: number): string => '0' + (m & 0o7777).toString(8).padStart(3, '0');
