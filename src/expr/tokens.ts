import { fail, type SourceRef } from '../errors.js';
import { refAt } from './position.js';

export type TokenKind = 'num' | 'str' | 'name' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The operator or name text; the decoded value for strings; the digits for numbers. */
  text: string;
  value?: string | number;
  pos: number;
  end: number;
}

// Longest first, so `<=` wins over `<`.
const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

export function tokenize(text: string, ref?: SourceRef): Token[] {
  const out: Token[] = [];
  let i = 0;
  const syntax = (msg: string, at: number, hint?: string): never =>
    fail('E_EXPR_SYNTAX', msg, refAt(text, at, ref), hint);
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (text.startsWith('{{', i) || text.startsWith('{%', i)) {
      syntax(
        'template delimiters inside a condition',
        i,
        'conditions are bare expressions: write `x == 1`, not `{{ x }} == 1`',
      );
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9_]*(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      i += m[0].length;
      if (/[A-Za-z_]/.test(text[i] ?? '')) syntax(`invalid number '${text.slice(start, i + 1)}'`, start);
      out.push({ kind: 'num', text: m[0], value: Number(m[0].replace(/_/g, '')), pos: start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      i += m[0].length;
      out.push({ kind: 'name', text: m[0], pos: start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) syntax('unterminated string', start, `close it with ${c}`);
        const ch = text[i];
        if (ch === c) break;
        if (ch === '\\' && i + 1 < text.length) {
          const e = text[i + 1];
          value += ESCAPES[e] ?? '\\' + e;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      i++;
      out.push({ kind: 'str', text: text.slice(start, i), value, pos: start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) {
      const hint = c === '=' ? 'use == to compare' : c === '&' ? "use 'and'" : c === '!' ? "use 'not'" : undefined;
      syntax(`unexpected character '${c}'`, i, hint);
    }
    i += op!.length;
    out.push({ kind: 'op', text: op!, pos: start, end: i });
  }
  out.push({ kind: 'eof', text: '', pos: text.length, end: text.length });
  return out;
}
