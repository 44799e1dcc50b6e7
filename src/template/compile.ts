import Handlebars from 'handlebars';
import { didYouMean, fail, type SourceRef } from '../errors.js';
import { refAt } from '../expr/position.js';
import { HELPERS, SOFT_HELPERS, installHelpers } from './helpers.js';

type AST = hbs.AST.Program;
type AnyNode = hbs.AST.Node & Record<string, unknown>;

/** rack's one handlebars instance: no HTML escaping, strict variables, rack's helpers. */
export const hb = Handlebars.create();
installHelpers(hb);

/** The typed value of a template that is exactly one expression is captured here. */
export const NOTHING = Symbol('nothing captured');
export const captureSlot: { value: unknown } = { value: NOTHING };
hb.registerHelper('__rack_capture', (v: unknown) => {
  captureSlot.value = v;
  return '';
});

hb.registerHelper('__rack_str', (v: unknown) => (v === undefined || v === null ? '' : String(v)));

const BUILTIN_BLOCKS = ['if', 'unless', 'each', 'with', 'log'];
export const HELPER_NAMES = [...Object.keys(HELPERS), ...BUILTIN_BLOCKS];
const KNOWN: Record<string, boolean> = Object.fromEntries([...Object.keys(HELPERS), '__rack_capture', '__rack_str'].map((n) => [n, true]));

export interface Compiled {
  ast: AST;
  run: (ctx: unknown) => string;
  /** The text is one `{{ }}` and nothing else: its value keeps its type. */
  single: boolean;
}

/** Position in `text` of a handlebars location (1-based line, 0-based column). */
export function locRef(text: string, line: number, column: number, ref: SourceRef | undefined, length = 1): SourceRef | undefined {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return refAt(text, offset + column, ref, length);
}

/** Parse, reporting syntax errors at their line and column. */
export function parseTemplate(text: string, ref?: SourceRef): AST {
  try {
    return hb.parse(text);
  } catch (e) {
    const err = e as Error & { lineNumber?: number; column?: number };
    const lexer = (Handlebars as unknown as { Parser: { lexer: { yylloc?: { first_line: number; first_column: number } } } }).Parser.lexer;
    // Grammar errors leave the offending token's place on the lexer; structural ones carry it.
    const line = err.lineNumber ?? lexer.yylloc?.first_line ?? 1;
    const col = err.column ?? lexer.yylloc?.first_column ?? 0;
    const firstLine = err.message.split('\n')[0].replace(/ - \d+:\d+$/, '');
    const expecting = /Expecting (.*), got '(\w+)'/.exec(err.message);
    const message = expecting ? `template syntax error: unexpected ${expecting[2] === 'EOF' ? 'end of template' : tokenName(expecting[2])}` : `template syntax error: ${firstLine}`;
    const hint = expecting?.[2] === 'EOF' ? 'a {{#block}} or {{ is not closed' : expecting ? `expected one of ${expecting[1].split(', ').slice(0, 6).join(', ')}` : undefined;
    fail('E_TEMPLATE_SYNTAX', message, locRef(text, line, col, ref), hint);
  }
}

function tokenName(t: string): string {
  const names: Record<string, string> = { CLOSE: "'}}'", INVALID: 'character', OPEN: "'{{'", CLOSE_SEXPR: "')'", OPEN_SEXPR: "'('", EQUALS: "'='" };
  return names[t] ?? t.toLowerCase();
}

/** Every node of the AST, with the node holding it. */
export function walk(node: unknown, visit: (n: AnyNode, parent: AnyNode | undefined, role: string) => void, parent?: AnyNode, role = ''): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit, parent, role);
    return;
  }
  const n = node as AnyNode;
  if (typeof n.type !== 'string') return;
  visit(n, parent, role);
  for (const key of ['body', 'program', 'inverse', 'path', 'params', 'hash', 'pairs', 'value']) {
    if (key in n) walk(n[key], visit, n, key);
  }
}

/**
 * Handlebars only checks plain `{{x}}` in strict mode; make helper arguments strict too,
 * except those a helper exists to test (default's first, defined's, if/unless condition).
 */
function strictParams(ast: AST): void {
  walk(ast, (n) => {
    if (!Array.isArray(n.params)) return;
    const path = n.path as AnyNode;
    const soft = path.type === 'PathExpression' ? SOFT_HELPERS[(path as unknown as hbs.AST.PathExpression).original] : undefined;
    (n.params as AnyNode[]).forEach((p, i) => {
      if (p.type === 'PathExpression' && !(soft === 'all' || (soft === 'first' && i === 0))) p.strict = true;
    });
    const hash = n.hash as hbs.AST.Hash | undefined;
    for (const pair of hash?.pairs ?? []) if (pair.value.type === 'PathExpression') (pair.value as unknown as AnyNode).strict = true;
  });
}

/** `{{ expr }}` -> `{{__rack_capture (expr)}}`, so the expression's value is kept, not printed. */
function captureProgram(ast: AST): AST {
  const m = ast.body[0] as hbs.AST.MustacheStatement;
  const hasArgs = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0;
  const inner = hasArgs ? ({ type: 'SubExpression', path: m.path, params: m.params, hash: m.hash, loc: m.loc } as unknown as hbs.AST.Expression) : (m.path as hbs.AST.Expression);
  const capture: hbs.AST.PathExpression = { type: 'PathExpression', data: false, depth: 0, parts: ['__rack_capture'], original: '__rack_capture', loc: m.loc };
  const stmt = { ...m, path: capture, params: [inner], hash: undefined } as unknown as hbs.AST.MustacheStatement;
  return { ...ast, body: [stmt] };
}

/**
 * Handlebars without escaping joins outputs with `+`, so `{{a}}{{b}}` with numbers adds them:
 * route every output through a helper that makes it text.
 */
function stringifyOutputs(ast: AST): void {
  walk(ast, (n) => {
    if (n.type !== 'MustacheStatement') return;
    const m = n as unknown as hbs.AST.MustacheStatement & Record<string, unknown>;
    const hasArgs = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0;
    const inner = hasArgs ? ({ type: 'SubExpression', path: m.path, params: m.params, hash: m.hash, loc: m.loc } as unknown as hbs.AST.Expression) : (m.path as hbs.AST.Expression);
    m.path = { type: 'PathExpression', data: false, depth: 0, parts: ['__rack_str'], original: '__rack_str', loc: m.loc } as hbs.AST.PathExpression;
    m.params = [inner];
    m.hash = undefined as unknown as hbs.AST.Hash;
  });
}

const isSingle = (ast: AST): boolean => ast.body.length === 1 && ast.body[0].type === 'MustacheStatement';

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 20_000;

/** Compile once per text (the cache is shared by every scope: templates do not hold values). */
export function compileTemplate(text: string, ref?: SourceRef, keepType = false): Compiled {
  const key = keepType ? '\u0001' + text : text;
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = parseTemplate(text, ref);
  const single = keepType && isSingle(parsed);
  const ast = single ? captureProgram(parsed) : parsed;
  if (!single) stringifyOutputs(ast);
  strictParams(ast);
  const run = hb.compile(ast, { strict: true, noEscape: true, knownHelpers: KNOWN }) as (ctx: unknown) => string;
  const compiled = { ast, run, single };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

/** Helper names used in call position that rack does not have, for `rack check`. */
export function unknownHelpers(ast: AST): Array<{ name: string; line: number; column: number; hint?: string }> {
  const out: Array<{ name: string; line: number; column: number; hint?: string }> = [];
  walk(ast, (n) => {
    const isCall = n.type === 'BlockStatement' || n.type === 'SubExpression' || ((n.type === 'MustacheStatement') && ((n.params as unknown[]).length > 0 || n.hash));
    if (!isCall) return;
    const path = n.path as unknown as hbs.AST.PathExpression;
    if (path.type !== 'PathExpression' || HELPER_NAMES.includes(path.original)) return;
    out.push({ name: path.original, line: path.loc.start.line, column: path.loc.start.column, hint: didYouMean(path.original, HELPER_NAMES) });
  });
  return out;
}
