import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { diag, type Diagnostic, type SourceRef } from '../errors.js';
import { modules, type ModuleRegistry } from '../schema/modules.js';
import { loadYamlFile, type LoadedYaml } from '../source/yaml.js';
import { refOf, valueRefOf } from '../source/positions.js';
import type { Condition, Role, Task } from './types.js';

export interface LoadOptions {
  /** Module schemas (tests may point at their own). */
  registry?: ModuleRegistry;
  /** Extra role directories searched after the playbook's and the project's roles/. */
  rolesPath?: string[];
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Everything one load shares: diagnostics, role cache, search path, the import chain. */
export interface LoadContext {
  diagnostics: Diagnostic[];
  registry: ModuleRegistry;
  roleSearchPath: string[];
  roles: Map<string, Role>;
  /** Roles being loaded (dependency cycles). */
  rolesLoading: Set<string>;
  /** Task files being imported (import cycles). */
  importStack: string[];
  /** Handlers of roles brought in by import_role, added to the current play. */
  extraHandlers: Task[];
  /** Source lines per file, for positions inside k=v strings. */
  lines: Map<string, string[]>;
  playbookDir: string;
}

/** Project root: the nearest directory with package.json, else the playbook's parent when it has roles/. */
export function projectDir(playbookDir: string): string | undefined {
  let d = playbookDir;
  for (;;) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  const parent = dirname(playbookDir);
  return existsSync(join(parent, 'roles')) ? parent : undefined;
}

export function roleSearchPath(playbookDir: string, opts: LoadOptions): string[] {
  const env = opts.env ?? process.env;
  const proj = projectDir(playbookDir);
  const list = [join(playbookDir, 'roles'), ...(proj ? [join(proj, 'roles')] : []), ...(opts.rolesPath ?? [])];
  for (const p of (env.RACK_ROLES_PATH ?? '').split(':')) if (p) list.push(resolve(p));
  return [...new Set(list)];
}

export function newContext(playbookFile: string, opts: LoadOptions): LoadContext {
  const playbookDir = dirname(resolve(playbookFile));
  return {
    diagnostics: [],
    registry: opts.registry ?? modules(),
    roleSearchPath: roleSearchPath(playbookDir, opts),
    roles: new Map(),
    rolesLoading: new Set(),
    importStack: [],
    extraHandlers: [],
    lines: new Map(),
    playbookDir,
  };
}

// Parsed files, reused while unchanged: a second check in the same process skips parsing.
const yamlCache = new Map<string, { mtime: number; size: number; loaded: LoadedYaml }>();

export function readYaml(ctx: LoadContext, file: string, from?: SourceRef): LoadedYaml {
  let st;
  try {
    st = statSync(file);
  } catch {
    st = undefined;
  }
  const hit = yamlCache.get(file);
  let loaded: LoadedYaml;
  if (st && hit && hit.mtime === st.mtimeMs && hit.size === st.size) loaded = hit.loaded;
  else {
    loaded = loadYamlFile(file, from);
    if (st && !loaded.diagnostics.length) yamlCache.set(file, { mtime: st.mtimeMs, size: st.size, loaded });
  }
  ctx.diagnostics.push(...loaded.diagnostics);
  if (!ctx.lines.has(file)) ctx.lines.set(file, loaded.text.split(/\r?\n/));
  return loaded;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function fallbackRef(file: string): SourceRef {
  return { file, line: 1, col: 1 };
}

/** Position of `obj[key]`'s value, else of obj, else the file start. */
export function at(obj: unknown, key: string | number | undefined, file: string): SourceRef {
  return (key !== undefined ? valueRefOf(obj, key) : refOf(obj)) ?? refOf(obj) ?? fallbackRef(file);
}

/** `when` (and friends) as written: an expression, a boolean or a list of either. */
export function conditions(obj: Record<string, unknown>, key: string, file: string): Condition[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((c, i) => ({ text: String(c), ref: at(v, i, file) }));
  return [{ text: String(v), ref: at(obj, key, file) }];
}

/** tags: a list, or a comma separated string. */
export function tagList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : String(v).split(',');
  return items.map((t) => String(t).trim()).filter(Boolean);
}

export function stringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function pushDiag(ctx: LoadContext, code: string, message: string, ref: SourceRef, hint?: string): void {
  ctx.diagnostics.push(diag(code, message, ref, hint));
}

/** Where a byte of a one-line scalar sits in the file (k=v strings keep exact columns). */
export function refInScalar(ctx: LoadContext, base: SourceRef, offset: number): SourceRef {
  const line = ctx.lines.get(base.file)?.[base.line - 1];
  if (line === undefined) return base;
  const c = line[base.col - 1];
  const quoted = c === '"' || c === "'";
  if (c === '|' || c === '>') return base;
  return { file: base.file, line: base.line, col: base.col + offset + (quoted ? 1 : 0) };
}
