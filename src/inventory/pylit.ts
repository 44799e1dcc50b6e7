/**
 * Values in INI inventories are Python literals when they parse as one (numbers, True/False/None,
 * quoted strings, lists, dicts, tuples), and plain strings otherwise. This is a small, safe
 * parser for exactly that grammar: it never evaluates anything.
 */
export function iniValue(text: string): unknown {
  try {
    return new LiteralParser(text.replace(/^[ \t]+/, '')).parseAll();
  } catch (e) {
    if (e instanceof NotALiteral) return text;
    throw e;
  }
}

class NotALiteral extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAll(): unknown {
    const v = this.expr();
    this.skip();
    if (this.i < this.s.length) this.bad();
    return v;
  }

  private bad(): never {
    throw new NotALiteral();
  }

  private skip(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') this.i++;
      else if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else return;
    }
  }

  private peek(): string | undefined {
    this.skip();
    return this.s[this.i];
  }

  private eat(ch: string): boolean {
    if (this.peek() === ch) {
      this.i++;
      return true;
    }
    return false;
  }

  private expr(): unknown {
    const c = this.peek();
    if (c === '-' || c === '+') {
      this.i++;
      const v = this.expr();
      if (typeof v !== 'number' || typeof v === 'boolean') this.bad();
      return c === '-' ? -v : v;
    }
    if (c === '[') return this.sequence(']');
    if (c === '(') {
      this.i++;
      if (this.eat(')')) return [];
      const first = this.expr();
      if (this.eat(')')) return first; // parenthesised value, not a tuple
      if (!this.eat(',')) this.bad();
      return [first, ...this.rest(')')];
    }
    if (c === '{') return this.braces();
    if (c === undefined) this.bad();
    if (/[0-9.]/.test(c)) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
    if (word !== undefined) {
      const next = this.s[this.i + word.length];
      if ((next === "'" || next === '"') && /^(?:[rRbBuU]|[rR][bB]|[bB][rR])$/.test(word)) return this.strings();
      this.i += word.length;
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      this.bad();
    }
    if (c === "'" || c === '"') return this.strings();
    this.bad();
  }

  private sequence(close: string): unknown[] {
    this.i++;
    return this.rest(close);
  }

  /** Items up to `close`, a trailing comma allowed. */
  private rest(close: string): unknown[] {
    const out: unknown[] = [];
    while (!this.eat(close)) {
      out.push(this.expr());
      if (!this.eat(',')) {
        if (!this.eat(close)) this.bad();
        break;
      }
    }
    return out;
  }

  private braces(): unknown {
    this.i++;
    if (this.eat('}')) return {};
    const first = this.expr();
    if (!this.eat(':')) {
      // a set: rendered as a list
      if (this.eat('}')) return [first];
      if (!this.eat(',')) this.bad();
      return [first, ...this.rest('}')];
    }
    const out: Record<string, unknown> = {};
    out[keyText(first)] = this.expr();
    while (this.eat(',')) {
      if (this.eat('}')) return out;
      const k = this.expr();
      if (!this.eat(':')) this.bad();
      out[keyText(k)] = this.expr();
    }
    if (!this.eat('}')) this.bad();
    return out;
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const m =
      /^0[xX](?:_?[0-9a-fA-F])+|^0[oO](?:_?[0-7])+|^0[bB](?:_?[01])+/.exec(rest) ??
      /^(?:[0-9](?:_?[0-9])*)?(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?/.exec(rest);
    const text = m?.[0] ?? '';
    if (!text || text === '.' || /^\.[eE]/.test(text)) this.bad();
    const after = rest[text.length];
    if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) this.bad(); // 1j, 12abc, 1.2.3
    this.i += text.length;
    const clean = text.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) return Number(clean.toLowerCase());
    if (/^[0-9]+$/.test(clean)) {
      if (/^0+[1-9]/.test(clean)) this.bad(); // 010 is not a Python 3 literal
      return Number(clean);
    }
    return Number(clean.startsWith('.') ? '0' + clean : clean);
  }

  /** One or more adjacent string literals, concatenated. */
  private strings(): string {
    let out = '';
    let kind: 'bytes' | 'text' | undefined;
    for (;;) {
      this.skip();
      const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m) break;
      const prefix = m[1].toLowerCase();
      const thisKind = prefix.includes('b') ? 'bytes' : 'text';
      if (kind && kind !== thisKind) this.bad();
      kind = thisKind;
      this.i += m[0].length;
      out += this.stringBody(m[2], prefix.includes('r'));
    }
    if (kind === undefined) this.bad();
    return out;
  }

  private stringBody(q: string, raw: boolean): string {
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.bad();
      if (this.s.startsWith(q, this.i)) {
        this.i += q.length;
        return out;
      }
      const c = this.s[this.i];
      if (c === '\n' && q.length === 1) this.bad();
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const n = this.s[this.i + 1];
      if (n === undefined) this.bad();
      if (raw) {
        out += c + n;
        this.i += 2;
        continue;
      }
      this.i += 2;
      if (n in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[n];
      else if (/[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(this.s.slice(this.i - 1))![0];
        out += String.fromCharCode(parseInt(oct, 8));
        this.i += oct.length - 1;
      } else if (n === 'x' || n === 'u' || n === 'U') {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.bad();
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += len;
      } else out += c + n;
    }
  }
}

/** Dict keys as JSON would print them (True -> "true", None -> "null"). */
function keyText(k: unknown): string {
  if (k !== null && typeof k === 'object') throw new NotALiteral();
  return k === null ? 'null' : String(k);
}
