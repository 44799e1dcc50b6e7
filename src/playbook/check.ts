import { existsSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { join, resolve } from 'node:path';
import { diag, type Diagnostic, type SourceRef } from '../errors.js';
import { checkExpr } from '../expr/index.js';
import { valueRefOf } from '../source/positions.js';
import type { LoadContext, LoadOptions } from './context.js';
import { loadPlaybook, type LoadResult } from './loader.js';
import { findRole } from './roles.js';
import { loadTaskFile, resolveTaskFile } from './tasks.js';
import type { Condition, ModuleTask, Playbook, Role, Task } from './types.js';

type TemplateChecker = (text: string, ref: SourceRef) => Diagnostic[];

let templateChecker: Promise<TemplateChecker> | undefined;

/** src/template's checker (the same parser `rack run` renders with); handlebars' parser if absent. */
function loadTemplateChecker(): Promise<TemplateChecker> {
  const modulePath = '../template/index.js';
  templateChecker ??= import(modulePath)
    .then((m: { checkTemplate?: TemplateChecker }) => m.checkTemplate ?? handlebarsCheck)
    .catch(() => handlebarsCheck);
  return templateChecker;
}

function handlebarsCheck(text: string, ref: SourceRef): Diagnostic[] {
  try {
    Handlebars.parse(text);
    return [];
  } catch (e) {
    const msg = (e as Error).message;
    const line = /line (\d+)/.exec(msg);
    return [diag('E_TEMPLATE', msg.split('\n')[0], { file: ref.file, line: line ? Number(line[1]) : ref.line, col: 1 }, 'check the {{ }} blocks around this line')];
  }
}

function literal(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && !v.includes('{{');
}

/** A control-machine file named by a task: role dir first, then next to the task, then the playbook. */
export function findLocalFile(ctx: LoadContext, task: Task, sub: 'files' | 'templates', name: string): string | undefined {
  const bases = [task.role ? join(task.role.dir, sub) : undefined, task.role?.dir, join(task.dir, sub), task.dir, join(ctx.playbookDir, sub), ctx.playbookDir];
  for (const b of bases) if (b && existsSync(resolve(b, name))) return resolve(b, name);
  return undefined;
}

/**
 * The checks beyond structure that `rack check` and `rack run` perform before touching a host:
 * conditions parse, templates exist and parse, literal copy sources exist, and literal
 * include_tasks / include_role targets load cleanly.
 */
export async function checkPlaybook(result: LoadResult): Promise<Diagnostic[]> {
  const { playbook, context: ctx } = result;
  if (!playbook) return [];
  const out: Diagnostic[] = [];
  const checkTemplate = await loadTemplateChecker();
  const seenTasks = new Set<Task>();
  const seenRoles = new Set<Role>();
  const included = new Set<string>();
  const templatesChecked = new Map<string, Diagnostic[]>();

  const cond = (c: Condition): void => {
    for (const d of checkExpr(c.text, c.ref)) out.push({ ...d, code: 'E_CONDITION', hint: d.hint ?? 'conditions are bare expressions: x == 1 and y is defined' });
  };
  const conds = (cs: Condition[] | boolean | undefined): void => {
    if (Array.isArray(cs)) cs.forEach(cond);
  };
  const drainLoader = (): void => {
    out.push(...ctx.diagnostics);
    ctx.diagnostics = [];
  };

  const moduleChecks = (t: ModuleTask): void => {
    const a = t.args;
    if (t.module === 'assert' && a.that !== undefined) {
      const list = Array.isArray(a.that) ? a.that : [a.that];
      list.forEach((c, i) => {
        if (typeof c === 'string') cond({ text: c, ref: (Array.isArray(a.that) ? valueRefOf(a.that, i) : valueRefOf(a, 'that')) ?? t.argsRef });
      });
    }
    if (t.module === 'template' && literal(a.src)) {
      const ref = valueRefOf(a, 'src') ?? t.argsRef;
      const file = findLocalFile(ctx, t, 'templates', a.src);
      if (!file) {
        out.push(diag('E_TEMPLATE_NOT_FOUND', `template '${a.src}' not found`, ref, `looked in ${t.role ? `${t.role.dir}/templates, ` : ''}${t.dir}/templates, ${t.dir}`));
        return;
      }
      if (!templatesChecked.has(file)) {
        let ds: Diagnostic[];
        try {
          ds = checkTemplate(readFileSync(file, 'utf8'), { file, line: 1, col: 1 }).map((d) => ({ ...d, code: 'E_TEMPLATE' }));
        } catch (e) {
          ds = [diag('E_TEMPLATE', `cannot read template ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ref, 'check the file permissions')];
        }
        templatesChecked.set(file, ds);
        out.push(...ds);
      }
    }
    if ((t.module === 'copy' || t.module === 'unarchive') && literal(a.src) && a.remote_src !== true && !(t.module === 'unarchive' && /^[a-z]+:\/\//.test(a.src))) {
      if (!findLocalFile(ctx, t, 'files', a.src))
        out.push(diag('E_FILE_NOT_FOUND', `file '${a.src}' for module ${t.module} not found`, valueRefOf(a, 'src') ?? t.argsRef, `looked in ${t.role ? `${t.role.dir}/files, ` : ''}${t.dir}/files, ${t.dir} (set remote_src: true for a file on the host)`));
    }
  };

  const role = (r: Role): void => {
    if (seenRoles.has(r)) return;
    seenRoles.add(r);
    tasks(r.tasks);
    tasks(r.handlers);
    for (const d of r.dependencies) conds(d.when);
  };

  function tasks(list: Task[]): void {
    for (const t of list) task(t);
  }
  function task(t: Task): void {
    if (seenTasks.has(t)) return;
    seenTasks.add(t);
    conds(t.when);
    conds(t.changedWhen);
    conds(t.failedWhen);
    if (t.until) cond(t.until);
    switch (t.kind) {
      case 'module':
        moduleChecks(t);
        break;
      case 'block':
        tasks(t.block);
        tasks(t.rescue);
        tasks(t.always);
        break;
      case 'include_tasks': {
        if (!literal(t.file)) break;
        const scope = { file: t.ref.file, dir: t.dir, role: t.role };
        const file = resolveTaskFile(ctx, t.file, scope);
        if (!file) {
          out.push(diag('E_FILE_NOT_FOUND', `task file '${t.file}' not found`, t.ref, `looked next to ${t.ref.file}${t.role ? ` and in ${t.role.dir}/tasks` : ''}`));
          break;
        }
        if (included.has(file)) break; // an include may recurse on purpose (guarded by when)
        included.add(file);
        const loaded = loadTaskFile(ctx, file, { ...scope, file }, t.ref);
        drainLoader();
        tasks(loaded);
        break;
      }
      case 'include_role': {
        if (!literal(t.roleName)) break;
        const r = findRole(ctx, t.roleName, { dir: t.dir }, t.ref);
        drainLoader();
        if (r) role(r);
        break;
      }
    }
  }

  for (const play of playbook.plays) {
    for (const u of play.roles) {
      conds(u.when);
      role(u.role);
    }
    tasks(play.preTasks);
    tasks(play.tasks);
    tasks(play.postTasks);
    tasks(play.handlers);
  }
  return out;
}

/** Load a playbook and run every static check: what `rack check` reports for one file. */
export async function checkPlaybookFile(file: string, opts: LoadOptions = {}): Promise<{ result: LoadResult; diagnostics: Diagnostic[] }> {
  const result = loadPlaybook(file, opts);
  const deep = await checkPlaybook(result);
  return { result, diagnostics: dedupe([...result.diagnostics, ...deep]) };
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.ref?.file}:${d.ref?.line}:${d.ref?.col}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
