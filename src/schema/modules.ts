import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diag, didYouMean, type Diagnostic, type SourceRef } from '../errors.js';
import { keyRefOf, placeEntry, valueRefOf } from '../source/positions.js';
import { isTemplated, schemaDiagnostics, validatorFor } from './ajv.js';

/** rack's annotations on a module schema (written next to each module's arguments). */
export interface ModuleMeta {
  /** canonical argument -> other names accepted for it */
  aliases?: Record<string, string[]>;
  /** the argument that takes free text (`shell: echo hi`), or null */
  free_form?: string | null;
  example?: string;
  summary?: string;
}

export interface ArgSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: ArgSchema;
  [k: string]: unknown;
}

export interface ModuleSchema {
  type?: string;
  description?: string;
  properties?: Record<string, ArgSchema>;
  required?: string[];
  'x-rack'?: ModuleMeta;
  [k: string]: unknown;
}

/** Works from src/ under tsx and from dist/ after a build: both sit two levels below the package root. */
export const defaultModulesDir = fileURLToPath(new URL('../../src/schema/modules/', import.meta.url));

/** Module schemas on disk, read and compiled only when a module is first used. */
export class ModuleRegistry {
  private files?: Map<string, string>;
  private schemas = new Map<string, ModuleSchema>();

  constructor(readonly dir: string = defaultModulesDir) {}

  private index(): Map<string, string> {
    if (!this.files) {
      this.files = new Map();
      if (existsSync(this.dir))
        for (const f of readdirSync(this.dir)) if (f.endsWith('.json')) this.files.set(f.slice(0, -5), join(this.dir, f));
    }
    return this.files;
  }

  names(): string[] {
    return [...this.index().keys()].sort();
  }

  /** 'ansible.builtin.copy' and 'ansible.legacy.copy' -> 'copy'; unknown names stay as written. */
  canonical(name: string): string {
    return name.replace(/^ansible\.(?:builtin|legacy)\./, '');
  }

  has(name: string): boolean {
    return this.index().has(this.canonical(name));
  }

  schema(name: string): ModuleSchema | undefined {
    const n = this.canonical(name);
    let s = this.schemas.get(n);
    if (!s) {
      const file = this.index().get(n);
      if (!file) return undefined;
      s = JSON.parse(readFileSync(file, 'utf8')) as ModuleSchema;
      this.schemas.set(n, s);
    }
    return s;
  }

  meta(name: string): ModuleMeta {
    return this.schema(name)?.['x-rack'] ?? {};
  }

  freeForm(name: string): string | null {
    return this.meta(name).free_form ?? null;
  }

  /** Names accepted as arguments of this module, canonical and aliases. */
  argumentNames(name: string): string[] {
    const s = this.schema(name);
    const aliases = Object.values(this.meta(name).aliases ?? {}).flat();
    return [...Object.keys(s?.properties ?? {}), ...aliases];
  }

  suggest(name: string): string | undefined {
    return didYouMean(this.canonical(name), this.names());
  }

  /**
   * Rename aliases to their canonical argument and convert values the way Ansible does for
   * declared types ('yes' -> true for a boolean, '8' -> 8 for an integer). Mutates `args`,
   * keeping each entry's position.
   */
  normalize(name: string, args: Record<string, unknown>): void {
    const s = this.schema(name);
    if (!s) return;
    for (const [canon, names] of Object.entries(this.meta(name).aliases ?? {}))
      for (const a of names)
        if (a in args && !(canon in args)) {
          const keyRef = keyRefOf(args, a);
          const valueRef = valueRefOf(args, a);
          args[canon] = args[a];
          delete args[a];
          if (valueRef) placeEntry(args, canon, valueRef, keyRef);
        }
    for (const [k, v] of Object.entries(args)) {
      const prop = s.properties?.[k];
      if (prop) args[k] = coerce(v, prop);
    }
  }

  /** Validate (already normalized) arguments; diagnostics point into the task's YAML. */
  check(name: string, args: Record<string, unknown>, argsRef?: SourceRef): Diagnostic[] {
    const n = this.canonical(name);
    const s = this.schema(n);
    if (!s) return [];
    const v = validatorFor(s);
    if (v(args)) return [];
    return schemaDiagnostics(v.errors, args, s, {
      code: 'E_MODULE_ARGS',
      noun: 'argument',
      where: ` for module ${n}`,
      hint: `see 'rack doc ${n}'`,
    }).map((d) => (d.ref ? d : { ...d, ref: argsRef }));
  }
}

const truthy = /^(?:yes|on|true|1|y)$/i;
const falsy = /^(?:no|off|false|0|n)$/i;

function types(prop: ArgSchema): string[] {
  return prop.type === undefined ? [] : Array.isArray(prop.type) ? prop.type : [prop.type];
}

/** Ansible's lenient conversions, applied only where the schema declares one type. */
function coerce(v: unknown, prop: ArgSchema): unknown {
  const t = types(prop);
  if (isTemplated(v) || t.length === 0) return v;
  if (typeof v === 'string') {
    if (t.includes('string')) return v;
    if (t.includes('boolean') && (truthy.test(v) || falsy.test(v))) return truthy.test(v);
    if ((t.includes('integer') || t.includes('number')) && /^-?\d+(?:\.\d+)?$/.test(v.trim())) {
      const n = Number(v);
      if (t.includes('number') || Number.isInteger(n)) return n;
    }
    if (t.includes('array') && !t.includes('string')) return v.split(',').map((x) => x.trim()).filter(Boolean);
    return v;
  }
  if ((typeof v === 'number' || typeof v === 'boolean') && t.includes('string') && !t.includes(typeof v === 'number' ? 'integer' : 'boolean') && !t.includes('number'))
    return String(v);
  if (typeof v === 'number' && t.includes('boolean') && !t.includes('integer') && (v === 0 || v === 1)) return v === 1;
  return v;
}

let defaultRegistry: ModuleRegistry | undefined;
export function modules(): ModuleRegistry {
  return (defaultRegistry ??= new ModuleRegistry());
}
