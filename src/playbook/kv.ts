/** One `key=value` (or bare word) of an argument string, with its offset in the string. */
export interface KvToken {
  raw: string;
  start: number;
  end: number;
  key?: string;
  value?: string;
  /** offset of the value's first character (after an opening quote) */
  valueStart?: number;
}

/**
 * Split `src=a dest="/b c" mode=0644` the way Ansible does: whitespace separates tokens except
 * inside quotes and `{{ }}` / `{% %}`; `k=v` tokens become pairs, quotes around values are removed.
 */
export function tokenizeKv(text: string): KvToken[] {
  const out: KvToken[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    let quote: string | null = null;
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (quote) {
        if (c === '\\' && i + 1 < text.length) i++;
        else if (c === quote) quote = null;
      } else if (text.startsWith('{{', i) || text.startsWith('{%', i)) {
        depth++;
        i++;
      } else if (depth && (text.startsWith('}}', i) || text.startsWith('%}', i))) {
        depth--;
        i++;
      } else if (c === '"' || c === "'") quote = c;
      else if (!depth && /\s/.test(c)) break;
      i++;
    }
    const raw = text.slice(start, i);
    const tok: KvToken = { raw, start, end: i };
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(raw);
    if (m) {
      tok.key = m[1];
      let v = raw.slice(m[0].length);
      let vs = start + m[0].length;
      if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
        v = v.slice(1, -1).replace(v[0] === '"' ? /\\(["\\])/g : /\\(['\\])/g, '$1');
        vs++;
      }
      tok.value = v;
      tok.valueStart = vs;
    }
    out.push(tok);
  }
  return out;
}

/** Text left when the given tokens are cut out (free-form commands keep their own spacing). */
export function withoutTokens(text: string, cut: KvToken[]): string {
  let out = '';
  let pos = 0;
  for (const t of [...cut].sort((a, b) => a.start - b.start)) {
    out += text.slice(pos, t.start);
    pos = t.end;
  }
  return (out + text.slice(pos)).trim();
}
