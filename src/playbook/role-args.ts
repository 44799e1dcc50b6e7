import { diag, didYouMean, type Diagnostic, type SourceRef } from '../errors.js';
import { isTemplated } from '../schema/ajv.js';
import { refOf, valueRefOf } from '../source/positions.js';
import type { ArgumentOption, ArgumentSpec, Role } from './types.js';

function toOption(raw: Record<string, unknown>, ref: SourceRef, file: string): ArgumentOption {
  const o: ArgumentOption = { ref };
  if (typeof raw.type === 'string') o.type = raw.type as ArgumentOption['type'];
  if (typeof raw.required === 'boolean') o.required = raw.required;
  if ('default' in raw) o.default = raw.default;
  if (Array.isArray(raw.choices)) o.choices = raw.choices;
  if (typeof raw.elements === 'string') o.elements = raw.elements;
  if (typeof raw.description === 'string' || Array.isArray(raw.description)) o.description = raw.description as string | string[];
  if (raw.options && typeof raw.options === 'object') o.options = toOptions(raw.options as Record<string, unknown>, file);
  return o;
}

function toOptions(raw: Record<string, unknown>, file: string): Record<string, ArgumentOption> {
  const out: Record<string, ArgumentOption> = {};
  for (const [k, v] of Object.entries(raw ?? {}))
    if (v && typeof v === 'object') out[k] = toOption(v as Record<string, unknown>, refOf(v) ?? valueRefOf(raw, k) ?? { file, line: 1, col: 1 }, file);
  return out;
}

/** meta/argument_specs.yml (already schema-checked) -> the `main` entry point's options. */
export function parseArgumentSpecs(raw: Record<string, unknown>, file: string): ArgumentSpec | undefined {
  const specs = raw.argument_specs as Record<string, unknown> | undefined;
  const main = specs?.main as Record<string, unknown> | undefined;
  if (!main) return undefined;
  return { options: toOptions((main.options as Record<string, unknown>) ?? {}, file), ref: refOf(main) ?? { file, line: 1, col: 1 } };
}

const truthy = /^(?:yes|on|true|1|y)$/i;
const falsy = /^(?:no|off|false|0|n)$/i;

type Converted = { ok: true; value: unknown } | { ok: false };

/** Ansible's lenient conversions for argument spec types. */
export function convertArgument(v: unknown, type: string | undefined): Converted {
  switch (type ?? 'raw') {
    case 'raw':
      return { ok: true, value: v };
    case 'str':
    case 'path':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? { ok: true, value: String(v) } : { ok: false };
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return { ok: true, value: v };
      if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return { ok: true, value: parseInt(v, 10) };
      return { ok: false };
    case 'float':
      if (typeof v === 'number') return { ok: true, value: v };
      if (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v))) return { ok: true, value: Number(v) };
      return { ok: false };
    case 'bool':
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (v === 0 || v === 1) return { ok: true, value: v === 1 };
      if (typeof v === 'string' && (truthy.test(v) || falsy.test(v))) return { ok: true, value: truthy.test(v) };
      return { ok: false };
    case 'list':
      if (Array.isArray(v)) return { ok: true, value: v };
      if (typeof v === 'string') return { ok: true, value: v.split(',').map((s) => s.trim()) };
      if (typeof v === 'number') return { ok: true, value: [v] };
      return { ok: false };
    case 'dict':
      if (v && typeof v === 'object' && !Array.isArray(v)) return { ok: true, value: v };
      if (typeof v === 'string' && v.trim().startsWith('{')) {
        try {
          return { ok: true, value: JSON.parse(v) };
        } catch {
          return { ok: false };
        }
      }
      return { ok: false };
    default:
      return { ok: true, value: v };
  }
}

export interface RoleArgsOptions {
  /** Static check of literal parameters: a missing required option may still come from elsewhere. */
  partial?: boolean;
  /** Where to report problems that have no better position (the role's use). */
  ref?: SourceRef;
}

function describe(v: unknown): string {
  return Array.isArray(v) ? 'a list' : v && typeof v === 'object' ? 'a mapping' : JSON.stringify(v);
}

function checkOptions(
  role: Role,
  options: Record<string, ArgumentOption>,
  values: Record<string, unknown>,
  prefix: string,
  opts: RoleArgsOptions,
  out: Diagnostic[],
  strictKeys: boolean,
): void {
  const where = (k: string): SourceRef | undefined => valueRefOf(values, k) ?? refOf(values) ?? opts.ref;
  for (const [name, o] of Object.entries(options)) {
    const full = prefix + name;
    if (!(name in values) || values[name] === undefined) {
      if (o.required && !opts.partial && !('default' in o) && !(prefix === '' && name in role.defaults))
        out.push(diag('E_ROLE_ARGS', `role ${role.name}: missing required argument '${full}'`, opts.ref ?? role.ref, `declared in ${o.ref.file}:${o.ref.line}`));
      continue;
    }
    checkValue(role, o, values[name], full, where(name), opts, out);
  }
  if (strictKeys)
    for (const k of Object.keys(values))
      if (!(k in options)) {
        const s = didYouMean(k, Object.keys(options));
        out.push(diag('E_ROLE_ARGS', `role ${role.name}: unknown option '${prefix}${k}'${s ? `: ${s}` : ''}`, where(k), `options: ${Object.keys(options).join(', ')}`));
      }
}

function checkValue(role: Role, o: ArgumentOption, value: unknown, full: string, ref: SourceRef | undefined, opts: RoleArgsOptions, out: Diagnostic[]): void {
  if (isTemplated(value)) return;
  const c = convertArgument(value, o.type);
  if (!c.ok) {
    out.push(diag('E_ROLE_ARGS', `role ${role.name}: argument '${full}' must be of type ${o.type}, not ${describe(value)}`, ref, `declared in ${o.ref.file}:${o.ref.line}`));
    return;
  }
  const items = o.type === 'list' ? (c.value as unknown[]) : [c.value];
  if (o.type === 'list' && o.elements)
    items.forEach((item, i) => {
      if (isTemplated(item)) return;
      const e = convertArgument(item, o.elements);
      if (!e.ok) out.push(diag('E_ROLE_ARGS', `role ${role.name}: element ${i + 1} of '${full}' must be of type ${o.elements}, not ${describe(item)}`, ref, `declared in ${o.ref.file}:${o.ref.line}`));
      else if (o.options && o.elements === 'dict') checkOptions(role, o.options, e.value as Record<string, unknown>, `${full}[${i}].`, opts, out, true);
      else items[i] = e.value;
    });
  if (o.choices)
    for (const item of items)
      if (!isTemplated(item) && !o.choices.some((ch) => ch === item || String(ch) === String(item)))
        out.push(diag('E_ROLE_ARGS', `role ${role.name}: argument '${full}' must be one of ${o.choices.map(String).join(', ')}, not ${describe(item)}`, ref, `declared in ${o.ref.file}:${o.ref.line}`));
  if (o.options && o.type === 'dict') checkOptions(role, o.options, c.value as Record<string, unknown>, `${full}.`, opts, out, true);
}

/**
 * Check a role's parameters against meta/argument_specs.yml (entry point `main`): required,
 * type with Ansible's conversions, choices, list elements, nested options.
 * The executor calls this with the role's final variables before the role runs.
 */
export function checkRoleArguments(role: Role, vars: Record<string, unknown>, opts: RoleArgsOptions = {}): Diagnostic[] {
  const spec = role.argumentSpecs;
  if (!spec) return [];
  const out: Diagnostic[] = [];
  checkOptions(role, spec.options, vars, '', opts, out, false);
  return out;
}
