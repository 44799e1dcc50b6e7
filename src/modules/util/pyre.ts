import { fail } from '../../errors.js';

export interface PyFlags {
  multiline?: boolean;
  dotall?: boolean;
  ignorecase?: boolean;
}

/**
 * Compile a regular expression written in Python's syntax (what playbooks carry) into a
 * JavaScript RegExp with the same meaning: named groups (?P<n>..) and (?P=n), \A \Z,
 * leading inline flags (?ims), and `$`, which in Python also matches before a final newline.
 */
export function pyRegExp(src: string, flags: PyFlags = {}, global = false): RegExp {
  let p = src;
  let { multiline = false, dotall = false, ignorecase = false } = flags;
  const lead = /^\(\?([aiLmsux]+)\)/.exec(p);
  if (lead) {
    p = p.slice(lead[0].length);
    if (lead[1].includes('x')) fail('E_MODULE_ARGS', `regular expression '${src}': verbose mode (?x) is not supported`);
    multiline ||= lead[1].includes('m');
    dotall ||= lead[1].includes('s');
    ignorecase ||= lead[1].includes('i');
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      i++;
      if (inClass) out += '\\' + n;
      else if (n === 'A') out += '(?<![\\s\\S])';
      else if (n === 'Z') out += '(?![\\s\\S])';
      else out += '\\' + n;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (p[i + 1] === '^') out += p[++i];
      if (p[i + 1] === ']') out += '\\' + p[++i];
      continue;
    }
    if (c === '(' && p.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (c === '(' && p.startsWith('(?P=', i)) {
      const end = p.indexOf(')', i);
      out += `\\k<${p.slice(i + 4, end)}>`;
      i = end;
      continue;
    }
    if (c === '$') {
      out += multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    if (c === '^') {
      out += multiline ? '(?<=^|\\n)' : '(?<![\\s\\S])';
      continue;
    }
    out += c;
  }
  const f = (global ? 'g' : '') + (ignorecase ? 'i' : '') + (dotall ? 's' : '') + 'd';
  try {
    return new RegExp(out, f);
  } catch (e) {
    fail('E_MODULE_ARGS', `invalid regular expression '${src}': ${(e as Error).message}`);
  }
}

/** Expand a Python replacement template (\1, \g<1>, \g<name>, \n, \\) for one match. */
export function expandTemplate(tpl: string, m: RegExpExecArray | RegExpMatchArray): string {
  let out = '';
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = tpl[i + 1];
    if (n === undefined) {
      out += '\\';
      break;
    }
    i++;
    if (n === 'g' && tpl[i + 1] === '<') {
      const end = tpl.indexOf('>', i);
      const ref = tpl.slice(i + 2, end);
      i = end;
      out += (/^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref]) ?? '';
    } else if (/\d/.test(n)) {
      let ref = n;
      if (/\d/.test(tpl[i + 1] ?? '') && Number(n + tpl[i + 1]) < m.length) ref += tpl[++i];
      out += m[Number(ref)] ?? '';
    } else if (n === 'n') out += '\n';
    else if (n === 't') out += '\t';
    else if (n === 'r') out += '\r';
    else if (n === '\\') out += '\\';
    else out += '\\' + n;
  }
  return out;
}

/** Python's re.subn over the whole text. */
export function pySub(re: RegExp, tpl: string, text: string): { text: string; count: number } {
  let count = 0;
  const g = re.global ? re : new RegExp(re.source, re.flags + 'g');
  const out = text.replace(g, (...a: unknown[]) => {
    count++;
    const hasGroups = typeof a[a.length - 1] === 'object';
    const groups = hasGroups ? (a[a.length - 1] as Record<string, string> | undefined) : undefined;
    const caps = a.slice(0, hasGroups ? -3 : -2) as string[];
    const m = Object.assign([...caps], { groups }) as unknown as RegExpMatchArray;
    return expandTemplate(tpl, m);
  });
  return { text: out, count };
}
