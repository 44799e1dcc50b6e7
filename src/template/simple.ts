import { fail, type SourceRef } from '../errors.js';
import { refAt } from '../expr/position.js';

/**
 * Most values are text with plain `{{ a.b }}` references. Those are resolved here, without
 * compiling a handlebars template (compiling costs ~0.7 ms per distinct text), with the same
 * meaning: strict, output as text, a lone reference keeps its type.
 */
export interface SimpleTemplate {
  parts: Array<string | { path: string[]; original: string; offset: number }>;
  /** The text is one reference and nothing else. */
  single: boolean;
}

const REF = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/y;
const RESERVED = new Set(['this', 'else', 'true', 'false', 'null', 'undefined']);
const cache = new Map<string, SimpleTemplate | null>();

/** The text as literal parts and references, or null when it needs handlebars. */
export function simpleTemplate(text: string): SimpleTemplate | null {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const parts: SimpleTemplate['parts'] = [];
  let at = 0;
  let result: SimpleTemplate | null = null;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open < 0) {
      if (at < text.length) parts.push(text.slice(at));
      result = { parts, single: parts.length === 1 && typeof parts[0] !== 'string' };
      break;
    }
    // `\{{` escapes and `{{{` are handlebars' business.
    if (text[open + 2] === '{' || (open > 0 && text[open - 1] === '\\')) break;
    REF.lastIndex = open;
    const m = REF.exec(text);
    if (!m) break;
    const path = m[1].split('.');
    if (RESERVED.has(path[0])) break;
    if (open > at) parts.push(text.slice(at, open));
    parts.push({ path, original: m[1], offset: open + m[0].indexOf(m[1]) });
    at = open + m[0].length;
  }
  if (cache.size >= 50_000) cache.clear();
  cache.set(text, result);
  return result;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Resolve a reference against a template context, as handlebars' strict mode would. */
export function resolve(ctx: unknown, ref: { path: string[]; original: string; offset: number }, text: string, at?: SourceRef): unknown {
  let cur = ctx;
  const last = ref.path.length - 1;
  for (let i = 0; i < last; i++) {
    cur = cur !== null && typeof cur === 'object' && hasOwn(cur, ref.path[i]) ? (cur as Record<string, unknown>)[ref.path[i]] : undefined;
  }
  const key = ref.path[last];
  if (cur === null || typeof cur !== 'object' || !(key in cur)) {
    fail('E_TEMPLATE_UNDEFINED', `undefined variable '${ref.original}'`, refAt(text, ref.offset, at, ref.original.length), `define it, or write {{default ${ref.original} "..."}}`);
  }
  return hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
}

/** Text output of a value, as rack's handlebars prints it. */
export const asText = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
