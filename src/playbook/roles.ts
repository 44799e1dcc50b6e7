import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { schemaDiagnostics, validatorFor } from '../schema/ajv.js';
import { argumentSpecsSchema, roleMetaSchema } from '../schema/role-meta.js';
import { keyRefOf, placeEntry, refOf, valueRefOf } from '../source/positions.js';
import { didYouMean, type SourceRef } from '../errors.js';
import { at, conditions, fallbackRef, isMapping, pushDiag, readYaml, tagList, type LoadContext } from './context.js';
import { checkRoleArguments, parseArgumentSpecs } from './role-args.js';
import { loadTaskFile, type TaskScope } from './tasks.js';
import type { Role, RoleUse, Task } from './types.js';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `dir/main.yml` or `dir/main.yaml` (Ansible accepts both). */
function mainFile(dir: string, base = 'main'): string | undefined {
  for (const ext of ['.yml', '.yaml', '']) {
    const f = join(dir, base + ext);
    if (existsSync(f) && !isDir(f)) return f;
  }
  return undefined;
}

export function locateRole(ctx: LoadContext, name: string, scope?: { dir: string }): string | undefined {
  if (name.includes('/') || isAbsolute(name)) {
    const d = resolve(scope?.dir ?? ctx.playbookDir, name);
    return isDir(d) ? d : undefined;
  }
  for (const base of ctx.roleSearchPath) if (isDir(join(base, name))) return join(base, name);
  return undefined;
}

/** Find and load a role by name; reports E_ROLE_NOT_FOUND with the search path. */
export function findRole(ctx: LoadContext, name: string, scope: { dir: string } | undefined, ref: SourceRef): Role | undefined {
  const dir = locateRole(ctx, name, scope);
  if (!dir) {
    const known = ctx.roleSearchPath.flatMap((p) => (isDir(p) ? listDirs(p) : []));
    const s = known.length ? didYouMeanRole(name, known) : '';
    pushDiag(ctx, 'E_ROLE_NOT_FOUND', `role '${name}' not found${s}`, ref, `searched: ${ctx.roleSearchPath.join(', ')} (add directories with RACK_ROLES_PATH)`);
    return undefined;
  }
  return loadRole(ctx, name, dir, ref);
}

function listDirs(p: string): string[] {
  try {
    return readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
function didYouMeanRole(name: string, known: string[]): string {
  const s = didYouMean(name, known);
  return s ? `: ${s}` : '';
}

function varsFile(ctx: LoadContext, dir: string): Record<string, unknown> {
  const f = mainFile(dir);
  if (!f) return {};
  const v = readYaml(ctx, f).value;
  if (v === null || v === undefined) return {};
  if (!isMapping(v)) {
    pushDiag(ctx, 'E_ROLE_SHAPE', `${f} must be a mapping of variables`, at(v, undefined, f), 'write name: value lines');
    return {};
  }
  return v;
}

/** Load a role once per check (a role used twice is one object). */
export function loadRole(ctx: LoadContext, name: string, dir: string, ref: SourceRef): Role | undefined {
  const cached = ctx.roles.get(dir);
  if (cached) return cached;
  if (ctx.rolesLoading.has(dir)) {
    pushDiag(ctx, 'E_ROLE_CYCLE', `role '${name}' depends on itself`, ref, 'remove the circular dependency in meta/main.yml');
    return undefined;
  }
  ctx.rolesLoading.add(dir);
  try {
    const metaFile = mainFile(join(dir, 'meta'));
    const tasksFile = mainFile(join(dir, 'tasks'));
    const role: Role = {
      name,
      dir,
      ref: fallbackRef(metaFile ?? tasksFile ?? join(dir, 'tasks', 'main.yml')),
      defaults: varsFile(ctx, join(dir, 'defaults')),
      vars: varsFile(ctx, join(dir, 'vars')),
      tasks: [],
      handlers: [],
      dependencies: [],
    };
    const specsFile = mainFile(join(dir, 'meta'), 'argument_specs');
    if (specsFile) {
      const raw = readYaml(ctx, specsFile).value;
      if (raw !== undefined) {
        const v = validatorFor(argumentSpecsSchema);
        if (!v(raw))
          ctx.diagnostics.push(...schemaDiagnostics(v.errors, raw, argumentSpecsSchema, { code: 'E_ROLE_META', noun: 'field', where: ` in ${specsFile}`, hint: 'argument_specs: {main: {options: {NAME: {type: str, required: true}}}}' }));
        else role.argumentSpecs = parseArgumentSpecs(raw as Record<string, unknown>, specsFile);
      }
    }
    if (metaFile) {
      const meta = readYaml(ctx, metaFile).value;
      if (meta !== undefined) {
        const v = validatorFor(roleMetaSchema);
        if (!v(meta))
          ctx.diagnostics.push(...schemaDiagnostics(v.errors, meta, roleMetaSchema, { code: 'E_ROLE_META', noun: 'field', where: ` in role meta`, hint: 'meta/main.yml holds dependencies: and galaxy_info:' }));
        if (isMapping(meta)) {
          if (!role.argumentSpecs && isMapping(meta.argument_specs))
            role.argumentSpecs = parseArgumentSpecs({ argument_specs: meta.argument_specs }, metaFile);
          if (Array.isArray(meta.dependencies))
            meta.dependencies.forEach((d, i) => {
              const use = roleUse(ctx, d, at(meta.dependencies, i, metaFile), { dir, file: metaFile });
              if (use) role.dependencies.push(use);
            });
        }
      }
    }
    const scope: TaskScope = { file: tasksFile ?? join(dir, 'tasks', 'main.yml'), dir, role };
    ctx.roles.set(dir, role); // before tasks: a task importing its own role sees it (no reload)
    if (tasksFile) role.tasks = loadTaskFile(ctx, tasksFile, scope);
    const handlersFile = mainFile(join(dir, 'handlers'));
    if (handlersFile) role.handlers = loadTaskFile(ctx, handlersFile, { file: handlersFile, dir, role, handlers: true });
    return role;
  } finally {
    ctx.rolesLoading.delete(dir);
  }
}

/** tasks_from: another file of the role's tasks/ (with or without .yml). */
export function roleTaskFile(ctx: LoadContext, role: Role, name: string, ref: SourceRef): Task[] {
  const dir = join(role.dir, 'tasks');
  const f = mainFile(dir, name.replace(/\.ya?ml$/, '')) ?? (existsSync(join(dir, name)) ? join(dir, name) : undefined);
  if (!f) {
    pushDiag(ctx, 'E_FILE_NOT_FOUND', `role ${role.name} has no tasks file '${name}'`, ref, `looked in ${dir}`);
    return [];
  }
  return loadTaskFile(ctx, f, { file: f, dir: role.dir, role });
}

const roleKeywords = new Set(['role', 'name', 'vars', 'when', 'tags']);

/** A `roles:` entry or meta dependency: a name, or a mapping with role/name and parameters. */
export function roleUse(ctx: LoadContext, raw: unknown, ref: SourceRef, scope: { dir: string; file: string }): RoleUse | undefined {
  let name: unknown;
  let vars: Record<string, unknown> = {};
  let nameRef = ref;
  const use = { when: [] as RoleUse['when'], tags: [] as string[] };
  if (typeof raw === 'string') name = raw;
  else if (isMapping(raw)) {
    name = raw.role ?? raw.name;
    nameRef = valueRefOf(raw, 'role' in raw ? 'role' : 'name') ?? ref;
    // Parameters keep their positions: argument_specs problems point at the value.
    const params: Array<[Record<string, unknown>, string]> = [
      ...(isMapping(raw.vars) ? Object.keys(raw.vars).map((k) => [raw.vars as Record<string, unknown>, k] as [Record<string, unknown>, string]) : []),
      ...Object.keys(raw).filter((k) => !roleKeywords.has(k)).map((k) => [raw, k] as [Record<string, unknown>, string]),
    ];
    vars = {};
    for (const [from, k] of params) {
      vars[k] = from[k];
      const vr = valueRefOf(from, k);
      if (vr) placeEntry(vars, k, vr, keyRefOf(from, k));
    }
    use.when = conditions(raw, 'when', scope.file);
    use.tags = tagList(raw.tags);
  }
  if (typeof name !== 'string' || !name) {
    pushDiag(ctx, 'E_ROLE_NOT_FOUND', 'role entry without a role name', refOf(raw) ?? ref, "write '- myrole' or '- role: myrole'");
    return undefined;
  }
  const role = findRole(ctx, name, scope, nameRef);
  if (!role) return undefined;
  ctx.diagnostics.push(...checkRoleArguments(role, vars, { partial: true, ref: refOf(raw) ?? ref }));
  return { role, vars, when: use.when, tags: use.tags, ref: refOf(raw) ?? ref };
}

/**
 * The order roles run in: each role's dependencies first, a role with the same parameters
 * only once per play (as Ansible does). Conditions and tags of a role apply to its dependencies.
 */
export function flattenRoles(uses: RoleUse[]): RoleUse[] {
  const out: RoleUse[] = [];
  const seen = new Set<string>();
  const visit = (u: RoleUse, when: RoleUse['when'], tags: string[]): void => {
    const w = [...when, ...u.when];
    const t = [...new Set([...tags, ...u.tags])];
    for (const d of u.role.dependencies) visit(d, w, t);
    const key = `${u.role.dir}\0${stableJson(u.vars)}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ...u, when: w, tags: t });
  };
  for (const u of uses) visit(u, [], []);
  return out;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
