import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { didYouMean, diag, type Diagnostic } from '../errors.js';
import { pathRef } from '../source/positions.js';

let shared: Ajv | undefined;

/** One ajv for rack: all errors, tolerant of rack's own annotations (x-rack, descriptions). */
export function ajv(): Ajv {
  if (!shared) {
    shared = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    shared.addKeyword({ keyword: 'x-rack' });
  }
  return shared;
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Compile once per schema object (compiling is the slow part; validating is cheap). */
export function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv().compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** How to word schema errors for one kind of document (a module's args, a play, role meta). */
export interface SchemaContext {
  code: string;
  /** Code for keys the schema does not allow (defaults to `code`). */
  unknownCode?: string;
  /** 'argument' / 'keyword' / 'option'. */
  noun: string;
  /** ' for module copy', ' in play' ... appended to messages. */
  where: string;
  /** Allowed names for "did you mean" at the top level (nested levels use the schema). */
  hint?: string;
  /** A more precise code for some errors (e.g. a missing `hosts` is a play shape problem). */
  codeFor?: (keyword: string, path: string[], params: Record<string, unknown>) => string | undefined;
}

const typeWords: Record<string, string> = {
  string: 'a string',
  boolean: 'a boolean (true/false)',
  integer: 'an integer',
  number: 'a number',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function typeOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : 'a string'} (${JSON.stringify(v)})`;
}

function splitPath(p: string): string[] {
  return p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, path: string[]): unknown {
  let v: unknown = root;
  for (const part of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** A value rack renders at run time: its type is only known then. */
export function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && v.includes('{{');
}

function schemaAt(schema: unknown, schemaPath: string): Record<string, unknown> | undefined {
  // '#/properties/a/properties/b/additionalProperties' -> the object holding additionalProperties
  const parts = schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1);
  let s: unknown = schema;
  for (const p of parts) s = s && typeof s === 'object' ? (s as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return s && typeof s === 'object' ? (s as Record<string, unknown>) : undefined;
}

/**
 * Turn ajv errors into rack diagnostics placed on the YAML node they concern:
 * an unknown key points at the key, a missing one at the mapping, a wrong value at the value.
 */
export function schemaDiagnostics(errors: ErrorObject[] | null | undefined, root: unknown, schema: object, ctx: SchemaContext): Diagnostic[] {
  if (!errors?.length) return [];
  const out: Diagnostic[] = [];
  const typeErrs = new Map<string, Set<string>>();
  const seen = new Set<string>();
  // A value that failed every branch of an anyOf produces one error per branch: merge type errors.
  for (const e of errors) if (e.keyword === 'type') {
    const set = typeErrs.get(e.instancePath) ?? new Set<string>();
    for (const t of ([] as string[]).concat(e.params.type as string | string[])) set.add(t);
    typeErrs.set(e.instancePath, set);
  }
  const pathsWithDetail = new Set(errors.filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword)).map((e) => e.instancePath));
  for (const e of errors) {
    const path = splitPath(e.instancePath);
    const value = valueAt(root, path);
    const name = path.length ? path.join('.') : '';
    const subject = name ? `${ctx.noun} '${name}'` : 'value';
    let d: Diagnostic | undefined;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty);
        const owner = schemaAt(schema, e.schemaPath);
        const props = Object.keys((owner?.properties as object) ?? {});
        const full = name ? `${name}.${key}` : key;
        const ref = pathRef(root, [...path, key], true);
        d = diag(ctx.unknownCode ?? ctx.code, `unknown ${ctx.noun} '${full}'${ctx.where}${dym(key, props)}`, ref, props.length ? `known ${ctx.noun}s: ${props.join(', ')}` : ctx.hint);
        break;
      }
      case 'required': {
        const missing = String(e.params.missingProperty);
        d = diag(ctx.code, `missing required ${ctx.noun} '${name ? name + '.' : ''}${missing}'${ctx.where}`, pathRef(root, path), `add '${missing}: ...'`);
        break;
      }
      case 'type': {
        if (isTemplated(value)) break;
        if (seen.has('type' + e.instancePath)) break;
        seen.add('type' + e.instancePath);
        const want = [...(typeErrs.get(e.instancePath) ?? [])].map((t) => typeWords[t] ?? t).join(' or ');
        d = diag(ctx.code, `${subject}${ctx.where} must be ${want}, not ${typeOf(value)}`, pathRef(root, path), ctx.hint);
        break;
      }
      case 'enum': {
        if (isTemplated(value)) break;
        const allowed = (e.params.allowedValues as unknown[]).map((x) => String(x));
        d = diag(ctx.code, `${subject}${ctx.where} must be one of ${allowed.join(', ')}, not ${typeOf(value)}${typeof value === 'string' ? dym(value, allowed) : ''}`, pathRef(root, path), ctx.hint);
        break;
      }
      case 'anyOf':
      case 'oneOf':
        if (pathsWithDetail.has(e.instancePath) || isTemplated(value)) break;
        d = diag(ctx.code, `${subject}${ctx.where} has an unexpected shape`, pathRef(root, path), ctx.hint);
        break;
      case 'if':
        break;
      case 'not':
      case 'dependencies':
      case 'dependentRequired':
        d = diag(ctx.code, `${subject}${ctx.where}: ${e.message ?? 'invalid'}`, pathRef(root, path), (e.parentSchema as { description?: string })?.description ?? ctx.hint);
        break;
      default:
        if (isTemplated(value)) break;
        d = diag(ctx.code, `${subject}${ctx.where} ${e.message ?? 'is invalid'}`, pathRef(root, path), ctx.hint);
    }
    if (d && ctx.codeFor) d.code = ctx.codeFor(e.keyword, path, e.params) ?? d.code;
    if (d) {
      const k = `${d.code}|${d.message}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(d);
      }
    }
  }
  return out;
}

function dym(word: string, candidates: string[]): string {
  const s = didYouMean(word, candidates);
  return s ? `: ${s}` : '';
}
