
import { Secret } from '../commands/secret.js';
import { RackError, didYouMean, diag, type Diagnostic, type SourceRef } from '../errors.js';
import type { Scope } from '../expr/scope.js';
import { HELPER_NAMES, NOTHING, captureSlot, compileTemplate, locRef, parseTemplate, unknownHelpers, walk, type Compiled } from './compile.js';
import { HelperFault } from './helpers.js';
import { asText, resolve, simpleTemplate, type SimpleTemplate } from './simple.js';
import { secretLeaves, toPlain } from './plain.js';
import { trackSecrets } from './secrets.js';
import { toTemplateContext, viewInfo } from './views.js';

const hasTemplate = (s: string): boolean => s.includes('{{');

/** Render without handlebars when the text only holds plain references (see simple.ts). */
function runSimple(t: SimpleTemplate, text: string, scope: Scope, ref: SourceRef | undefined): { value: unknown; secret: boolean } {
  return trackSecrets(() => {
    const ctx = toTemplateContext(scope);
    if (t.single) return resolve(ctx, t.parts[0] as Exclude<SimpleTemplate['parts'][0], string>, text, ref);
    let out = '';
    for (const p of t.parts) out += typeof p === 'string' ? p : asText(resolve(ctx, p, text, ref));
    return out;
  });
}

/** Run a compiled template; errors become RackErrors placed in the template text. */
function run(c: Compiled, text: string, scope: Scope, ref: SourceRef | undefined): { value: unknown; secret: boolean } {
  return trackSecrets(() => {
    try {
      if (!c.single) return c.run(toTemplateContext(scope));
      const saved = captureSlot.value;
      captureSlot.value = NOTHING;
      try {
        c.run(toTemplateContext(scope));
        return captureSlot.value === NOTHING ? undefined : captureSlot.value;
      } finally {
        captureSlot.value = saved;
      }
    } catch (e) {
      throw renderError(e, c, text, ref);
    }
  });
}

function renderError(e: unknown, c: Compiled, text: string, ref: SourceRef | undefined): unknown {
  if (e instanceof RackError) return e;
  if (e instanceof HelperFault) {
    const at = e.loc ? locRef(text, e.loc.start.line, e.loc.start.column, ref) : ref;
    return new RackError(diag('E_TEMPLATE_HELPER', e.message, at));
  }
  const err = e as Error & { lineNumber?: number; column?: number };
  const undef = /^"(.*)" not defined in/.exec(err.message ?? '');
  if (undef && err.lineNumber !== undefined && err.column !== undefined) {
    const found = pathAt(c, err.lineNumber, err.column);
    const name = found?.path ?? undef[1];
    const at = locRef(text, err.lineNumber, err.column, ref, name.length);
    if (found?.call) {
      return new RackError(diag('E_TEMPLATE_HELPER', `unknown helper '${name}'`, at, didYouMean(name, HELPER_NAMES)));
    }
    return new RackError(diag('E_TEMPLATE_UNDEFINED', `undefined variable '${name}'`, at, `define it, or write {{default ${name} "..."}}`));
  }
  const at = err.lineNumber !== undefined ? locRef(text, err.lineNumber, err.column ?? 0, ref) : ref;
  return new RackError(diag('E_TEMPLATE_RENDER', `template failed: ${(err.message ?? String(e)).replace(/ - \d+:\d+$/, '')}`, at));
}

/** The variable path written at a place of the template, and whether it is called as a helper. */
function pathAt(c: Compiled, line: number, column: number): { path: string; call: boolean } | undefined {
  let hit: { path: string; call: boolean } | undefined;
  walk(c.ast, (n, parent, role) => {
    const loc = n.loc as hbs.AST.SourceLocation | undefined;
    if (hit || n.type !== 'PathExpression' || !loc || loc.start.line !== line || loc.start.column !== column) return;
    const path = (n as unknown as hbs.AST.PathExpression).original;
    if (path === '__rack_capture' || path === '__rack_str') return;
    const p = parent as (Record<string, unknown> & { params?: unknown[]; hash?: unknown; type: string }) | undefined;
    const call = role === 'path' && !!p && (p.type === 'SubExpression' || p.type === 'BlockStatement' || (p.params?.length ?? 0) > 0 || !!p.hash);
    hit = { path, call };
  });
  return hit;
}

/**
 * Render a template file. `ref` is where the text starts (file, line 1, col 1 for a file).
 * The output may contain secret text: use renderTemplateTextTracked to know.
 */
export function renderTemplateText(text: string, scope: Scope, ref?: SourceRef): string {
  return renderTemplateTextTracked(text, scope, ref).text;
}

/** renderTemplateText, and whether the output holds secret text (a Secret was read). */
export function renderTemplateTextTracked(text: string, scope: Scope, ref?: SourceRef): { text: string; secret: boolean } {
  if (!hasTemplate(text)) return { text, secret: false };
  const simple = simpleTemplate(text);
  const { value, secret } = simple ? runSimple(simple, text, scope, ref) : run(compileTemplate(text, ref), text, scope, ref);
  return { text: String(value), secret };
}

/**
 * Render one string value: `{{ }}` expanded; exactly one expression keeps its value's type.
 * Secret in, Secret out (string results; string leaves of structured ones).
 */
export function renderString(text: string, scope: Scope, ref?: SourceRef): unknown {
  if (!hasTemplate(text)) return text;
  const simple = simpleTemplate(text);
  const c = simple ? undefined : compileTemplate(text, ref, true);
  const { value, secret } = simple ? runSimple(simple, text, scope, ref) : run(c!, text, scope, ref);
  if (!(simple ?? c!).single) return secret ? new Secret(String(value)) : value;
  if (value === undefined) return '';
  if (typeof value === 'string') return secret ? new Secret(value) : value;
  const out = toPlain(value, true);
  return secret ? secretLeaves(out) : out;
}

/**
 * Render `{{ }}` inside a YAML value, through lists and dicts. Strings without `{{` are
 * returned as they are; other values (numbers, Secrets, Buffers) too.
 */
export function renderValue(value: unknown, scope: Scope, ref?: SourceRef): unknown {
  if (typeof value === 'string') return renderString(value, scope, ref);
  if (value === null || typeof value !== 'object' || value instanceof Secret) return value;
  if (viewInfo(value)) return toPlain(value, true);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope, ref));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope, ref);
  return out;
}

/** Whether a value (as returned by renderValue) holds secret text anywhere. */
export function holdsSecret(value: unknown): boolean {
  if (value instanceof Secret) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value && typeof value === 'object') return Object.values(value).some(holdsSecret);
  return false;
}

/** Problems of a template found without rendering it, for `rack check`. */
export function checkTemplate(text: string, ref?: SourceRef): Diagnostic[] {
  if (!hasTemplate(text)) return [];
  let ast: hbs.AST.Program;
  try {
    ast = parseTemplate(text, ref);
  } catch (e) {
    if (e instanceof RackError) return e.diagnostics;
    throw e;
  }
  return unknownHelpers(ast).map((u) =>
    diag('E_TEMPLATE_HELPER', `unknown helper '${u.name}'`, locRef(text, u.line, u.column, ref, u.name.length), u.hint),
  );
}


