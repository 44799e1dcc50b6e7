import { diag, type Diagnostic, type SourceRef } from '../errors.js';

/**
 * Syntax of a host pattern (`web:&db:!pi[0:2]`, `~regex`, `a,b`): every part non-empty,
 * slices well formed, regexes compile. Which hosts it names is the inventory's business.
 */
export function checkPatternSyntax(pattern: string, ref: SourceRef): Diagnostic[] {
  if (pattern.includes('{{')) return [];
  const out: Diagnostic[] = [];
  const bad = (msg: string, offset: number, hint: string): void => {
    out.push(diag('E_PATTERN', `bad host pattern '${pattern}': ${msg}`, { ...ref, col: ref.col + offset }, hint));
  };
  if (!pattern.trim()) {
    bad('empty pattern', 0, "use 'all' for every host");
    return out;
  }
  // Split on ':' and ',' outside [..] slices; a part starting with '~' is a regex up to the next separator.
  let start = 0;
  let depth = 0;
  const parts: Array<{ text: string; offset: number }> = [];
  for (let i = 0; i <= pattern.length; i++) {
    const c = pattern[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (i === pattern.length || (depth === 0 && (c === ':' || c === ','))) {
      parts.push({ text: pattern.slice(start, i), offset: start });
      start = i + 1;
    }
    if (depth < 0) {
      bad("unmatched ']'", i, 'slices look like group[0:2]');
      return out;
    }
  }
  if (depth > 0) {
    bad("unmatched '['", pattern.indexOf('['), 'slices look like group[0:2]');
    return out;
  }
  for (const { text, offset } of parts) {
    const body = text.trim().replace(/^[&!]/, '');
    const bodyAt = offset + text.length - text.trimStart().length + (text.trim().length - body.length);
    if (!body) {
      const opAt = offset + text.length - text.trimStart().length;
      bad(text.trim() ? `'${text.trim()}' must be followed by a host or group` : 'empty part between separators', opAt, "parts are joined by ':' (union), ':&' (intersection), ':!' (exclusion)");
      continue;
    }
    if (body.startsWith('~')) {
      try {
        new RegExp(body.slice(1));
      } catch {
        bad(`invalid regular expression '${body.slice(1)}'`, bodyAt, 'a ~ part is a regular expression');
      }
      continue;
    }
    const m = /^([^[\]]+)(\[(.*)\])?$/.exec(body);
    if (!m) {
      bad(`cannot read '${body}'`, bodyAt, 'names may end in a slice such as [0] or [1:3]');
      continue;
    }
    if (m[2] !== undefined && !/^-?\d*(?::-?\d*)?$/.test(m[3]) ) bad(`bad slice '[${m[3]}]'`, bodyAt + m[1].length, 'slices look like [0], [1:3] or [:2]');
    if (/[\s]/.test(m[1])) bad(`'${m[1]}' contains a space`, bodyAt, "separate parts with ':' or ','");
  }
  return out;
}
