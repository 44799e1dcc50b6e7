import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { didYouMean, distance } from '../errors.js';
import { schemaDiagnostics, validatorFor } from '../schema/ajv.js';
import { blockKeywords, blockSchema, includeKeywords, includeSchema, loaderActions, moduleTaskKeywords, moduleTaskSchema } from '../schema/task.js';
import { copyPlacement, keyRefOf, place, placeEntry, refOf, valueRefOf } from '../source/positions.js';
import { at, conditions, isMapping, pushDiag, readYaml, refInScalar, stringList, tagList, type LoadContext } from './context.js';
import { tokenizeKv, withoutTokens } from './kv.js';
import { checkRoleArguments } from './role-args.js';
import { findRole, roleTaskFile } from './roles.js';
import type { BlockTask, Condition, Role, Task, TaskCommon } from './types.js';

/** Where a list of tasks comes from: relative paths resolve against `dir`. */
export interface TaskScope {
  file: string;
  dir: string;
  role?: Role;
  handlers?: boolean;
}

const allKeywords = [...new Set([...moduleTaskKeywords, ...blockKeywords, ...includeKeywords])];

export function parseTaskList(ctx: LoadContext, list: unknown, scope: TaskScope): Task[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    pushDiag(ctx, 'E_BLOCK_SHAPE', 'expected a list of tasks', at(list, undefined, scope.file), "start each task with '- '");
    return [];
  }
  const out: Task[] = [];
  list.forEach((raw, i) => {
    const t = parseTask(ctx, raw, at(list, i, scope.file), scope);
    if (t) out.push(t);
  });
  return out;
}

function actionName(key: string): string {
  return key.replace(/^ansible\.(?:builtin|legacy)\./, '');
}

function looksLikeKeyword(key: string): boolean {
  return allKeywords.some((k) => distance(key.toLowerCase(), k) <= Math.max(1, Math.floor(key.length / 4)));
}

export function parseTask(ctx: LoadContext, raw: unknown, ref: TaskCommon['ref'], scope: TaskScope): Task | undefined {
  if (!isMapping(raw)) {
    pushDiag(ctx, 'E_TASK_SHAPE', 'a task must be a mapping of keywords and one module', ref, "e.g. '- name: ...\\n  copy: {src: a, dest: /b}'");
    return undefined;
  }
  const tref = refOf(raw) ?? ref;
  if ('block' in raw || 'rescue' in raw || 'always' in raw) return parseBlock(ctx, raw, tref, scope);

  const actions: string[] = [];
  const unknown: string[] = [];
  for (const key of Object.keys(raw)) {
    if (moduleTaskKeywords.has(key) || includeKeywords.has(key)) continue;
    const name = actionName(key);
    if (loaderActions.includes(name) || ctx.registry.has(name)) actions.push(key);
    else unknown.push(key);
  }
  let moduleGuess = actions.length === 0 ? unknown.find((k) => !looksLikeKeyword(k) && !k.startsWith('with_')) : undefined;
  if (!moduleGuess && actions.length === 0 && unknown.length === 1 && !unknown[0].startsWith('with_') && !didYouMean(unknown[0], allKeywords)) moduleGuess = unknown[0];
  for (const key of unknown) {
    const kref = keyRefOf(raw, key) ?? tref;
    if (key === moduleGuess) {
      const s = ctx.registry.suggest(key);
      pushDiag(ctx, 'E_UNKNOWN_MODULE', `unknown module '${key}'${s ? `: ${s}` : ''}`, kref, "run 'rack doc --list' for the modules rack knows");
    } else if (key.startsWith('with_')) {
      pushDiag(ctx, 'E_LOOP_SHAPE', `'${key}' is not supported`, kref, "use 'loop:' (with_items is accepted as loop)");
    } else {
      const s = didYouMean(key, allKeywords);
      pushDiag(ctx, 'E_UNKNOWN_KEYWORD', `unknown task keyword '${key}'${s ? `: ${s}` : ''}`, kref, `task keywords: ${[...moduleTaskKeywords].join(', ')}`);
    }
  }
  if (actions.length > 1)
    for (const extra of actions.slice(1))
      pushDiag(ctx, 'E_TWO_MODULES', `task has two modules: '${actions[0]}' and '${extra}'`, keyRefOf(raw, extra) ?? tref, 'a task runs one module; split it into two tasks');
  if (actions.length === 0) {
    if (!moduleGuess) pushDiag(ctx, 'E_NO_MODULE', 'task has no module', tref, "add the module to run, e.g. 'command: uptime'");
    return undefined;
  }
  const action = actions[0];
  const name = actionName(action);
  if (name === 'include_tasks' || name === 'import_tasks') return parseTaskInclude(ctx, raw, action, name, tref, scope);
  if (name === 'include_role' || name === 'import_role') return parseRoleInclude(ctx, raw, action, name, tref, scope);
  return parseModuleTask(ctx, raw, action, tref, scope);
}

function checkKeywords(ctx: LoadContext, raw: Record<string, unknown>, schema: object, scope: TaskScope): void {
  const v = validatorFor(schema);
  if (v(raw)) return;
  ctx.diagnostics.push(
    ...schemaDiagnostics(v.errors, raw, schema, {
      code: 'E_KEYWORD_TYPE',
      noun: 'keyword',
      where: '',
      hint: 'see the task keywords in the rack documentation',
      codeFor: (_k, path) => (['loop', 'with_items', 'loop_control'].includes(path[0]) ? 'E_LOOP_SHAPE' : undefined),
    }),
  );
  void scope;
}

function condOrBool(raw: Record<string, unknown>, key: string, file: string): Condition[] | boolean | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return conditions(raw, key, file);
}

function boolOpt(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function common(ctx: LoadContext, raw: Record<string, unknown>, ref: TaskCommon['ref'], scope: TaskScope): TaskCommon {
  const f = scope.file;
  const t: TaskCommon = { ref, when: conditions(raw, 'when', f), tags: tagList(raw.tags), notify: stringList(raw.notify), listen: stringList(raw.listen), dir: scope.dir };
  if (raw.name !== undefined && raw.name !== null) t.name = String(raw.name);
  if (isMapping(raw.vars)) t.vars = raw.vars;
  if (raw.become !== undefined) t.become = boolOpt(raw.become);
  if (raw.become_user !== undefined) t.becomeUser = String(raw.become_user);
  if (raw.environment !== undefined) t.environment = raw.environment;
  for (const [key, prop] of [
    ['ignore_errors', 'ignoreErrors'],
    ['ignore_unreachable', 'ignoreUnreachable'],
    ['no_log', 'noLog'],
    ['check_mode', 'checkMode'],
    ['diff', 'diff'],
    ['run_once', 'runOnce'],
    ['any_errors_fatal', 'anyErrorsFatal'],
  ] as const)
    if (typeof raw[key] === 'boolean') t[prop] = raw[key] as boolean;
  if (raw.delegate_to !== undefined) t.delegateTo = String(raw.delegate_to);
  if (typeof raw.register === 'string') t.register = raw.register;
  const cw = condOrBool(raw, 'changed_when', f);
  if (cw !== undefined) t.changedWhen = cw;
  const fw = condOrBool(raw, 'failed_when', f);
  if (fw !== undefined) t.failedWhen = fw;
  if (raw.until !== undefined && raw.until !== null) t.until = { text: String(raw.until), ref: at(raw, 'until', f) };
  if (typeof raw.retries === 'number') t.retries = raw.retries;
  if (typeof raw.delay === 'number') t.delay = raw.delay;
  if (raw.until !== undefined && t.retries === undefined) t.retries = 3;
  if (raw.until !== undefined && t.delay === undefined) t.delay = 5;
  if ('loop' in raw && 'with_items' in raw)
    pushDiag(ctx, 'E_LOOP_SHAPE', "a task has both 'loop' and 'with_items'", keyRefOf(raw, 'with_items') ?? ref, 'keep one of them');
  if ('loop' in raw) t.loop = raw.loop;
  else if ('with_items' in raw) t.loop = raw.with_items;
  if (isMapping(raw.loop_control)) {
    const lc = raw.loop_control;
    if (!('loop' in raw) && !('with_items' in raw))
      pushDiag(ctx, 'E_LOOP_SHAPE', "'loop_control' without 'loop'", keyRefOf(raw, 'loop_control') ?? ref, "add 'loop:' or remove 'loop_control'");
    t.loopControl = { loopVar: typeof lc.loop_var === 'string' ? lc.loop_var : 'item' };
    if (lc.label !== undefined) t.loopControl.label = String(lc.label);
    if (typeof lc.index_var === 'string') t.loopControl.indexVar = lc.index_var;
    if (typeof lc.pause === 'number') t.loopControl.pause = lc.pause;
  }
  if (scope.role) t.role = scope.role;
  if (!scope.handlers && raw.listen !== undefined)
    pushDiag(ctx, 'E_UNKNOWN_KEYWORD', "'listen' is only for handlers", keyRefOf(raw, 'listen') ?? ref, 'move this task under handlers:');
  return t;
}

function parseBlock(ctx: LoadContext, raw: Record<string, unknown>, ref: TaskCommon['ref'], scope: TaskScope): BlockTask {
  for (const key of Object.keys(raw)) {
    if (blockKeywords.has(key)) continue;
    const kref = keyRefOf(raw, key) ?? ref;
    if (ctx.registry.has(actionName(key)) || loaderActions.includes(actionName(key)))
      pushDiag(ctx, 'E_BLOCK_SHAPE', `a block cannot also run module '${key}'`, kref, 'move the module into a task inside block:');
    else if (moduleTaskKeywords.has(key) || key.startsWith('with_'))
      pushDiag(ctx, 'E_BLOCK_SHAPE', `'${key}' cannot be used on a block`, kref, key === 'loop' || key.startsWith('with_') ? 'to loop over several tasks, use include_tasks with loop' : 'put it on the tasks inside the block');
    else {
      const s = didYouMean(key, [...blockKeywords]);
      pushDiag(ctx, 'E_UNKNOWN_KEYWORD', `unknown block keyword '${key}'${s ? `: ${s}` : ''}`, kref, `block keywords: ${[...blockKeywords].join(', ')}`);
    }
  }
  if (!('block' in raw)) pushDiag(ctx, 'E_BLOCK_SHAPE', `'${'rescue' in raw ? 'rescue' : 'always'}' without 'block'`, ref, "add 'block:' with the tasks to protect");
  checkKeywords(ctx, raw, blockSchema, scope);
  const t = common(ctx, raw, ref, scope);
  return {
    ...t,
    kind: 'block',
    block: Array.isArray(raw.block) ? parseTaskList(ctx, raw.block, scope) : blockShape(ctx, raw, 'block', scope),
    rescue: Array.isArray(raw.rescue) ? parseTaskList(ctx, raw.rescue, scope) : blockShape(ctx, raw, 'rescue', scope),
    always: Array.isArray(raw.always) ? parseTaskList(ctx, raw.always, scope) : blockShape(ctx, raw, 'always', scope),
  };
}

function blockShape(ctx: LoadContext, raw: Record<string, unknown>, key: string, scope: TaskScope): Task[] {
  if (raw[key] !== undefined && raw[key] !== null)
    pushDiag(ctx, 'E_BLOCK_SHAPE', `'${key}' must be a list of tasks`, at(raw, key, scope.file), "start each task with '- '");
  return [];
}

/** Module arguments from a mapping, a `k=v` string or free text, merged with `args:`. */
function moduleArgs(ctx: LoadContext, raw: Record<string, unknown>, action: string, module: string, scope: TaskScope): Record<string, unknown> | undefined {
  const value = raw[action];
  const vref = at(raw, action, scope.file);
  let args: Record<string, unknown>;
  if (value === null || value === undefined) args = {};
  else if (isMapping(value)) {
    args = { ...value };
    copyPlacement(value, args);
  } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    args = {};
    place(args, vref);
    const text = String(value);
    const free = ctx.registry.freeForm(module);
    const known = new Set(ctx.registry.argumentNames(module));
    const tokens = tokenizeKv(text);
    const taken = tokens.filter((t) => t.key !== undefined && (!free || (known.has(t.key) && t.key !== free)));
    for (const t of taken) {
      args[t.key!] = t.value;
      placeEntry(args, t.key!, refInScalar(ctx, vref, t.valueStart!), refInScalar(ctx, vref, t.start));
    }
    const rest = withoutTokens(text, taken);
    if (free) {
      if (rest) {
        args[free] = rest;
        placeEntry(args, free, vref);
      }
    } else if (rest) {
      const first = tokens.find((t) => !taken.includes(t))!;
      pushDiag(ctx, 'E_MODULE_ARGS', `module ${module} takes key=value arguments, not free text '${first.raw}'`, refInScalar(ctx, vref, first.start), `write e.g. '${module}: name=value', or use a mapping`);
    }
  } else {
    pushDiag(ctx, 'E_MODULE_ARGS', `arguments of module ${module} must be a mapping or a key=value string`, vref, `see 'rack doc ${module}'`);
    return undefined;
  }
  if (isMapping(raw.args))
    for (const [k, v] of Object.entries(raw.args))
      if (!(k in args)) {
        args[k] = v;
        placeEntry(args, k, valueRefOf(raw.args, k) ?? vref, keyRefOf(raw.args, k));
      }
  return args;
}

function parseModuleTask(ctx: LoadContext, raw: Record<string, unknown>, action: string, ref: TaskCommon['ref'], scope: TaskScope): Task {
  checkKeywords(ctx, raw, moduleTaskSchema, scope);
  const module = ctx.registry.canonical(action);
  const argsRef = at(raw, action, scope.file);
  const parsed = moduleArgs(ctx, raw, action, module, scope);
  const args = parsed ?? {};
  ctx.registry.normalize(module, args);
  if (parsed) ctx.diagnostics.push(...ctx.registry.check(module, args, argsRef));
  return { ...common(ctx, raw, ref, scope), kind: 'module', module, args, argsRef };
}

/** The single string argument of include/import actions: `x.yml`, `file=x.yml` or `{file: x.yml}`. */
function includeArg(ctx: LoadContext, raw: Record<string, unknown>, action: string, main: string, scope: TaskScope): Record<string, unknown> {
  const v = raw[action];
  if (isMapping(v)) return v;
  if (typeof v === 'string') {
    const toks = tokenizeKv(v);
    if (toks.length && toks.every((t) => t.key)) return Object.fromEntries(toks.map((t) => [t.key!, t.value]));
    return { [main]: v };
  }
  pushDiag(ctx, 'E_MODULE_ARGS', `${action} needs a ${main === 'file' ? 'file name' : 'role name'}`, at(raw, action, scope.file), `e.g. '${action}: ${main === 'file' ? 'other.yml' : 'myrole'}'`);
  return {};
}

/** Resolve a task file named in a task: next to the current file, in the role's tasks/, next to the playbook. */
export function resolveTaskFile(ctx: LoadContext, name: string, scope: TaskScope): string | undefined {
  if (isAbsolute(name)) return existsSync(name) ? name : undefined;
  const dirs = [dirname(scope.file), scope.role ? join(scope.role.dir, 'tasks') : undefined, scope.dir, ctx.playbookDir];
  for (const d of dirs) if (d && existsSync(join(d, name))) return resolve(d, name);
  return undefined;
}

function parseTaskInclude(ctx: LoadContext, raw: Record<string, unknown>, action: string, name: string, ref: TaskCommon['ref'], scope: TaskScope): Task | undefined {
  checkKeywords(ctx, raw, includeSchema, scope);
  const args = includeArg(ctx, raw, action, 'file', scope);
  const base = common(ctx, raw, ref, scope);
  const file = args.file === undefined ? undefined : String(args.file);
  if (file === undefined) return undefined;
  const fref = at(raw, action, scope.file);
  if (name === 'include_tasks') return { ...base, kind: 'include_tasks', file };
  if (file.includes('{{')) {
    pushDiag(ctx, 'E_FILE_NOT_FOUND', `import_tasks cannot use a templated file name '${file}'`, fref, 'imports are read before any variable exists; use include_tasks');
    return undefined;
  }
  if (base.loop !== undefined) pushDiag(ctx, 'E_LOOP_SHAPE', 'import_tasks cannot loop', keyRefOf(raw, 'loop') ?? ref, 'use include_tasks with loop');
  const path = resolveTaskFile(ctx, file, scope);
  if (!path) {
    pushDiag(ctx, 'E_FILE_NOT_FOUND', `task file '${file}' not found`, fref, `looked next to ${scope.file}${scope.role ? ` and in ${join(scope.role.dir, 'tasks')}` : ''}`);
    return undefined;
  }
  const tasks = loadTaskFile(ctx, path, { ...scope, file: path }, fref);
  return { ...base, kind: 'block', block: tasks, rescue: [], always: [] };
}

/** Parse a task file (import_tasks, role tasks, include_tasks at run time); guards import cycles. */
export function loadTaskFile(ctx: LoadContext, path: string, scope: TaskScope, from?: TaskCommon['ref']): Task[] {
  if (ctx.importStack.includes(path)) {
    pushDiag(ctx, 'E_IMPORT_CYCLE', `${path} imports itself: ${[...ctx.importStack, path].join(' -> ')}`, from ?? at(undefined, undefined, path), 'break the cycle, or use include_tasks with a condition');
    return [];
  }
  const loaded = readYaml(ctx, path, from);
  if (loaded.value === undefined) return [];
  ctx.importStack.push(path);
  try {
    if (loaded.value === null) return [];
    return parseTaskList(ctx, loaded.value, scope);
  } finally {
    ctx.importStack.pop();
  }
}

function parseRoleInclude(ctx: LoadContext, raw: Record<string, unknown>, action: string, name: string, ref: TaskCommon['ref'], scope: TaskScope): Task | undefined {
  checkKeywords(ctx, raw, includeSchema, scope);
  const args = includeArg(ctx, raw, action, 'name', scope);
  const base = common(ctx, raw, ref, scope);
  const fref = at(raw, action, scope.file);
  for (const k of Object.keys(args))
    if (!['name', 'tasks_from', 'vars_from', 'defaults_from', 'handlers_from', 'public', 'allow_duplicates', 'apply', 'rolespec_validate'].includes(k))
      pushDiag(ctx, 'E_MODULE_ARGS', `unknown argument '${k}' for ${action}${didYouMean(k, ['name', 'tasks_from']) ? ': ' + didYouMean(k, ['name', 'tasks_from']) : ''}`, keyRefOf(args, k) ?? fref, 'arguments: name, tasks_from');
  if (typeof args.name !== 'string') {
    pushDiag(ctx, 'E_MODULE_ARGS', `missing required argument 'name' for ${action}`, fref, `e.g. '${action}: {name: myrole}'`);
    return undefined;
  }
  const roleName = args.name;
  const tasksFrom = typeof args.tasks_from === 'string' ? args.tasks_from : undefined;
  const roleVars = base.vars ?? {};
  if (name === 'include_role') {
    const t: Task = { ...base, kind: 'include_role', roleName, roleVars };
    if (tasksFrom) t.tasksFrom = tasksFrom;
    return t;
  }
  if (roleName.includes('{{')) {
    pushDiag(ctx, 'E_ROLE_NOT_FOUND', `import_role cannot use a templated role name '${roleName}'`, fref, 'use include_role');
    return undefined;
  }
  const role = findRole(ctx, roleName, scope, valueRefOf(args, 'name') ?? fref);
  if (!role) return undefined;
  ctx.diagnostics.push(...checkRoleArguments(role, roleVars, { partial: true, ref: fref }));
  const tasks = tasksFrom ? roleTaskFile(ctx, role, tasksFrom, fref) : role.tasks;
  ctx.extraHandlers.push(...role.handlers);
  return { ...base, kind: 'block', block: tasks, rescue: [], always: [] };
}
