import { RackError, type Diagnostic, type SourceRef } from '../errors.js';
import type { Expr } from './ast.js';
import { evalExpr } from './evaluate.js';
import { parseExpr } from './parser.js';
import type { Scope } from './scope.js';
import { truthy } from './values.js';

export type { Expr, Node } from './ast.js';
export type { Scope } from './scope.js';
export { recordScope } from './scope.js';
export { parseExpr } from './parser.js';
export { evalExpr } from './evaluate.js';
export { truthy, pyStr } from './values.js';
export { FILTERS, TESTS } from './library.js';

const cache = new Map<string, Expr>();

/**
 * Evaluate a condition (when, changed_when, failed_when, until, assert) to a boolean with
 * Ansible truthiness. YAML booleans pass through; text is parsed once and cached.
 */
export function evalCondition(cond: string | Expr | boolean, scope: Scope, ref?: SourceRef): boolean {
  if (typeof cond === 'boolean') return cond;
  let expr: Expr;
  if (typeof cond === 'string') {
    const key = ref ? `${ref.file}:${ref.line}:${ref.col}\0${cond}` : cond;
    expr = cache.get(key) ?? parseExpr(cond, ref);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, expr);
  } else {
    expr = cond;
  }
  return truthy(evalExpr(expr, scope));
}

/** Syntax problems of a condition, for `rack check` (empty when it parses). */
export function checkExpr(text: string, ref?: SourceRef): Diagnostic[] {
  try {
    parseExpr(text, ref);
    return [];
  } catch (e) {
    if (e instanceof RackError) return e.diagnostics;
    throw e;
  }
}
