import { didYouMean, fail, type SourceRef } from '../errors.js';
import type { Expr, Node } from './ast.js';
import { FILTERS, TESTS } from './library.js';
import { refAt } from './position.js';
import { tokenize, type Token } from './tokens.js';

const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);
const CONSTANTS: Record<string, unknown> = {
  true: true,
  True: true,
  false: false,
  False: false,
  none: null,
  None: null,
  null: null,
};

/** Parse an Ansible-style bare expression. `ref` is where the text's first character sits. */
export function parseExpr(text: string, ref?: SourceRef): Expr {
  const p = new Parser(text, ref);
  return { text, ref, root: p.parseAll() };
}

class Parser {
  private toks: Token[];
  private i = 0;
  constructor(
    private text: string,
    private ref?: SourceRef,
  ) {
    this.toks = tokenize(text, ref);
  }

  parseAll(): Node {
    if (this.peek().kind === 'eof') this.error('empty expression', this.peek());
    const node = this.ternary();
    const t = this.peek();
    if (t.kind !== 'eof') {
      const hint = t.text === '=' ? 'use == to compare' : t.kind === 'name' || t.kind === 'str' ? 'missing operator (and, or, ==, in ...)?' : undefined;
      this.error(`unexpected '${t.text}'`, t, hint);
    }
    return node;
  }

  // ---- token helpers
  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private isOp(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.text === text;
  }
  private isWord(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'name' && t.text === text;
  }
  private expectOp(text: string, opener?: Token): Token {
    if (!this.isOp(text)) {
      const t = this.peek();
      const got = t.kind === 'eof' ? 'end of expression' : `'${t.text}'`;
      this.error(`expected '${text}' but found ${got}`, t, opener ? `to close '${opener.text}' at column ${this.col(opener.pos)}` : undefined);
    }
    return this.next();
  }
  private col(pos: number): number {
    return refAt(this.text, pos, this.ref)?.col ?? pos + 1;
  }
  private error(msg: string, t: Token | number, hint?: string): never {
    const pos = typeof t === 'number' ? t : t.pos;
    const len = typeof t === 'number' ? 1 : Math.max(1, t.end - t.pos);
    fail('E_EXPR_SYNTAX', msg, refAt(this.text, pos, this.ref, len), hint);
  }

  // ---- grammar, loosest binding first
  private ternary(): Node {
    const node = this.or();
    if (!this.isWord('if')) return node;
    this.next();
    const test = this.or();
    let other: Node | undefined;
    if (this.isWord('else')) {
      this.next();
      other = this.ternary();
    }
    return { type: 'cond', test, then: node, else: other, pos: node.pos, end: (other ?? test).end };
  }
  private or(): Node {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      const right = this.and();
      left = { type: 'or', left, right, pos: left.pos, end: right.end };
    }
    return left;
  }
  private and(): Node {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      const right = this.not();
      left = { type: 'and', left, right, pos: left.pos, end: right.end };
    }
    return left;
  }
  private not(): Node {
    if (this.isWord('not')) {
      const t = this.next();
      const arg = this.not();
      return { type: 'not', arg, pos: t.pos, end: arg.end };
    }
    return this.compare();
  }
  private compare(): Node {
    const first = this.add();
    const rest: Array<{ op: string; right: Node; pos: number }> = [];
    for (;;) {
      const t = this.peek();
      let op: string | undefined;
      if (t.kind === 'op' && COMPARE.has(t.text)) op = t.text;
      else if (this.isWord('in')) op = 'in';
      else if (this.isWord('not') && this.isWord('in', 1)) op = 'not in';
      if (!op) break;
      this.i += op === 'not in' ? 2 : 1;
      rest.push({ op, right: this.add(), pos: t.pos });
    }
    if (!rest.length) return first;
    return { type: 'compare', first, rest, pos: first.pos, end: rest[rest.length - 1].right.end };
  }
  private add(): Node {
    let left = this.concat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text;
      const right = this.concat();
      left = { type: 'arith', op, left, right, pos: left.pos, end: right.end };
    }
    return left;
  }
  private concat(): Node {
    let left = this.mul();
    while (this.isOp('~')) {
      this.next();
      const right = this.mul();
      left = { type: 'arith', op: '~', left, right, pos: left.pos, end: right.end };
    }
    return left;
  }
  private mul(): Node {
    let left = this.pow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().text;
      const right = this.pow();
      left = { type: 'arith', op, left, right, pos: left.pos, end: right.end };
    }
    return left;
  }
  private pow(): Node {
    const left = this.unary();
    if (!this.isOp('**')) return left;
    this.next();
    const right = this.pow();
    return { type: 'arith', op: '**', left, right, pos: left.pos, end: right.end };
  }
  private unary(): Node {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      const arg = this.unary();
      return { type: 'neg', op: t.text as '-' | '+', arg, pos: t.pos, end: arg.end };
    }
    return this.filters(this.postfix(this.primary()));
  }

  /** `x | f(a)` and `x is [not] t(a)`, applied left to right. */
  private filters(node: Node): Node {
    for (;;) {
      if (this.isOp('|')) {
        const bar = this.next();
        const t = this.peek();
        if (t.kind !== 'name') {
          this.error(`expected a filter name after '|'`, t, t.text === '|' ? "use 'or' for logical or" : undefined);
        }
        this.next();
        if (!FILTERS.has(t.text)) {
          this.error(`unknown filter '${t.text}'`, t, didYouMean(t.text, FILTERS.keys()) ?? `known filters: ${[...FILTERS.keys()].join(', ')}`);
        }
        const args = this.isOp('(') ? this.args() : [];
        node = { type: 'filter', arg: node, name: t.text, args, namePos: t.pos, pos: node.pos, end: this.peek(-1).end };
        void bar;
      } else if (this.isWord('is')) {
        this.next();
        let negated = false;
        if (this.isWord('not')) {
          this.next();
          negated = true;
        }
        const t = this.peek();
        if (t.kind !== 'name') this.error(`expected a test name after 'is'`, t, "e.g. 'x is defined'");
        this.next();
        if (!TESTS.has(t.text)) {
          this.error(`unknown test '${t.text}'`, t, didYouMean(t.text, TESTS.keys()) ?? `known tests: ${[...TESTS.keys()].join(', ')}`);
        }
        const args = this.isOp('(') ? this.args() : [];
        node = { type: 'test', arg: node, name: t.text, args, negated, namePos: t.pos, pos: node.pos, end: this.peek(-1).end };
      } else {
        return node;
      }
    }
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.peek();
        if (t.kind !== 'name' && t.kind !== 'num') this.error(`expected an attribute name after '.'`, t);
        this.next();
        if (this.isOp('(')) {
          const args = this.args();
          node = { type: 'call', obj: node, method: t.text, args, pos: node.pos, end: this.peek(-1).end };
        } else if (t.kind === 'num') {
          node = { type: 'index', obj: node, index: { type: 'lit', value: t.value, pos: t.pos, end: t.end }, pos: node.pos, end: t.end };
        } else {
          node = { type: 'attr', obj: node, name: t.text, pos: node.pos, end: t.end };
        }
      } else if (this.isOp('[')) {
        const open = this.next();
        const index = this.ternary();
        const close = this.expectOp(']', open);
        node = { type: 'index', obj: node, index, pos: node.pos, end: close.end };
      } else if (this.isOp('(')) {
        this.error('calling functions is not supported', this.peek(), "only methods such as x.startswith('a') and filters (x | length) can be called");
      } else {
        return node;
      }
    }
  }

  private args(): Node[] {
    const open = this.expectOp('(');
    const out: Node[] = [];
    while (!this.isOp(')')) {
      out.push(this.ternary());
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')', open);
    return out;
  }

  private primary(): Node {
    const t = this.peek();
    if (t.kind === 'num' || t.kind === 'str') {
      this.next();
      return { type: 'lit', value: t.value, pos: t.pos, end: t.end };
    }
    if (t.kind === 'name') {
      if (KEYWORDS.has(t.text)) this.error(`unexpected '${t.text}'`, t, 'an operand is missing');
      this.next();
      if (Object.prototype.hasOwnProperty.call(CONSTANTS, t.text)) return { type: 'lit', value: CONSTANTS[t.text], pos: t.pos, end: t.end };
      return { type: 'name', name: t.text, pos: t.pos, end: t.end };
    }
    if (this.isOp('(')) {
      const open = this.next();
      if (this.isOp(')')) this.error('empty parentheses', this.peek());
      const inner = this.ternary();
      if (this.isOp(',')) this.error('tuples are not supported', this.peek(), 'use a list: [a, b]');
      this.expectOp(')', open);
      return inner;
    }
    if (this.isOp('[')) {
      const open = this.next();
      const items: Node[] = [];
      while (!this.isOp(']')) {
        items.push(this.ternary());
        if (!this.isOp(',')) break;
        this.next();
      }
      const close = this.expectOp(']', open);
      return { type: 'list', items, pos: open.pos, end: close.end };
    }
    if (this.isOp('{')) {
      const open = this.next();
      const entries: Array<[Node, Node]> = [];
      while (!this.isOp('}')) {
        const k = this.ternary();
        this.expectOp(':');
        entries.push([k, this.ternary()]);
        if (!this.isOp(',')) break;
        this.next();
      }
      const close = this.expectOp('}', open);
      return { type: 'dict', entries, pos: open.pos, end: close.end };
    }
    if (t.kind === 'eof') this.error('unexpected end of expression', t, 'an operand is missing');
    this.error(`unexpected '${t.text}'`, t);
  }
}
