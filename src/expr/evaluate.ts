import { fail } from '../errors.js';
import type { Expr, Node } from './ast.js';
import { FILTERS, TESTS, callMethod } from './library.js';
import { refAt } from './position.js';
import type { Scope } from './scope.js';
import { ExprFault, Undef, contains, equals, member, order, pyStr, pyType, truthy, unwrap } from './values.js';

/** Evaluate a parsed expression. Undefined names are errors unless tested or defaulted. */
export function evalExpr(expr: Expr, scope: Scope): unknown {
  return new Evaluator(expr, scope).defined(expr.root);
}

class Evaluator {
  constructor(
    private expr: Expr,
    private scope: Scope,
  ) {}

  private fault(node: { pos: number; end: number }, message: string, code = 'E_EXPR_EVAL', hint?: string): never {
    fail(code, message, refAt(this.expr.text, node.pos, this.expr.ref, node.end - node.pos), hint ?? `in expression: ${this.expr.text}`);
  }

  /** The value of node, which must be defined. */
  defined(node: Node): unknown {
    const v = this.value(node);
    if (v instanceof Undef) {
      fail(
        'E_EXPR_UNDEFINED',
        `'${v.name}' is undefined`,
        refAt(this.expr.text, v.pos, this.expr.ref, v.name.length),
        `define it, or guard with '${v.name} is defined' or '${v.name} | default(...)'`,
      );
    }
    return v;
  }

  private guarded<T>(node: Node, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ExprFault) this.fault(node, e.message);
      throw e;
    }
  }

  /** The value of node, possibly Undef. */
  value(node: Node): unknown {
    switch (node.type) {
      case 'lit':
        return node.value;
      case 'name':
        return this.scope.has(node.name) ? unwrap(this.scope.get(node.name)) : new Undef(node.name, node.pos);
      case 'list':
        return node.items.map((n) => this.defined(n));
      case 'dict': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of node.entries) {
          const key = this.defined(k);
          if (typeof key !== 'string' && typeof key !== 'number') this.fault(k, `dict keys must be strings or numbers, not ${pyType(key)}`);
          out[String(key)] = this.defined(v);
        }
        return out;
      }
      case 'attr':
        return this.access(node, node.obj, node.name);
      case 'index':
        return this.access(node, node.obj, this.defined(node.index));
      case 'call': {
        const obj = this.defined(node.obj);
        const args = node.args.map((a) => this.defined(a));
        return this.guarded(node, () => callMethod(obj, node.method, args));
      }
      case 'not':
        return !truthy(this.defined(node.arg));
      case 'neg': {
        const v = this.defined(node.arg);
        if (typeof v !== 'number' && typeof v !== 'boolean') this.fault(node, `bad operand for unary ${node.op}: ${pyType(v)}`);
        return node.op === '-' ? -Number(v) : Number(v);
      }
      case 'and': {
        const l = this.defined(node.left);
        return truthy(l) ? this.defined(node.right) : l;
      }
      case 'or': {
        const l = this.defined(node.left);
        return truthy(l) ? l : this.defined(node.right);
      }
      case 'arith':
        return this.arith(node, node.op, this.defined(node.left), this.defined(node.right));
      case 'compare': {
        let left = this.defined(node.first);
        for (const step of node.rest) {
          const right = this.defined(step.right);
          const span = { pos: node.first.pos, end: step.right.end };
          if (!this.guarded(span as Node, () => compare(step.op, left, right))) return false;
          left = right;
        }
        return true;
      }
      case 'filter': {
        const f = FILTERS.get(node.name)!;
        const arg = f.undef ? this.value(node.arg) : this.defined(node.arg);
        const args = node.args.map((a) => this.defined(a));
        return this.guarded(node, () => f.fn(arg, args));
      }
      case 'test': {
        const t = TESTS.get(node.name)!;
        const arg = t.undef ? this.value(node.arg) : this.defined(node.arg);
        const args = node.args.map((a) => this.defined(a));
        const r = this.guarded(node, () => t.fn(arg, args));
        return node.negated ? !r : r;
      }
      case 'cond':
        if (truthy(this.defined(node.test))) return this.defined(node.then);
        return node.else ? this.defined(node.else) : null;
    }
  }

  private access(node: Node, objNode: Node, key: unknown): unknown {
    const obj = this.value(objNode);
    if (obj instanceof Undef) return obj;
    const name = `${this.expr.text.slice(objNode.pos, objNode.end)}${typeof key === 'string' && node.type === 'attr' ? '.' + key : `[${typeof key === 'string' ? `'${key}'` : pyStr(key)}]`}`;
    return member(obj, key, name, objNode.pos);
  }

  private arith(node: Node, op: string, a: unknown, b: unknown): unknown {
    if (op === '~') return pyStr(a) + pyStr(b);
    const num = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
    if (op === '+') {
      if (num(a) && num(b)) return Number(a) + Number(b);
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      this.fault(node, `cannot add ${pyType(a)} and ${pyType(b)}`, 'E_EXPR_EVAL', typeof a === 'string' || typeof b === 'string' ? "use ~ to join text: a ~ b" : undefined);
    }
    if (op === '*' && typeof a === 'string' && typeof b === 'number') return a.repeat(Math.max(0, b));
    if (!num(a) || !num(b)) this.fault(node, `unsupported operand types for ${op}: ${pyType(a)} and ${pyType(b)}`);
    const x = Number(a);
    const y = Number(b);
    if ((op === '/' || op === '//' || op === '%') && y === 0) this.fault(node, 'division by zero');
    switch (op) {
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        return x / y;
      case '//':
        return Math.floor(x / y);
      case '%':
        return ((x % y) + y) % y;
      default:
        return x ** y;
    }
  }
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    case '<':
      return order(a, b) < 0;
    case '<=':
      return order(a, b) <= 0;
    case '>':
      return order(a, b) > 0;
    default:
      return order(a, b) >= 0;
  }
}


