import { RackError, type Diagnostic } from '../errors.js';
import { newContext, type LoadContext, type LoadOptions } from './context.js';
import { findRole, roleTaskFile } from './roles.js';
import { loadTaskFile, resolveTaskFile, type TaskScope } from './tasks.js';
import type { Role, Task, TaskCommon, TaskLoader } from './types.js';

function errors(ds: Diagnostic[]): Diagnostic[] {
  return ds.filter((d) => (d.severity ?? 'error') === 'error');
}

/**
 * include_tasks / include_role at run time: the same parser as `rack check`, with roles
 * cached for the whole run. Problems are thrown as one RackError with every diagnostic.
 */
export class PlaybookTaskLoader implements TaskLoader {
  private ctx: LoadContext;

  constructor(playbookFile: string, opts: LoadOptions = {}) {
    this.ctx = newContext(playbookFile, opts);
  }

  private take(): Diagnostic[] {
    const ds = this.ctx.diagnostics;
    this.ctx.diagnostics = [];
    return errors(ds);
  }

  async loadTaskFile(path: string, from: TaskCommon): Promise<Task[]> {
    const scope: TaskScope = { file: from.ref.file, dir: from.dir, role: from.role };
    const file = resolveTaskFile(this.ctx, path, scope);
    if (!file)
      throw new RackError({ code: 'E_FILE_NOT_FOUND', message: `task file '${path}' not found`, ref: from.ref, hint: `looked next to ${from.ref.file}${from.role ? ` and in ${from.role.dir}/tasks` : ''}` });
    const tasks = loadTaskFile(this.ctx, file, { ...scope, file }, from.ref);
    const problems = this.take();
    if (problems.length) throw new RackError(problems);
    return tasks;
  }

  async loadRole(name: string, from: TaskCommon, tasksFrom?: string): Promise<Role> {
    const role = findRole(this.ctx, name, { dir: from.dir }, from.ref);
    const tasks = role && tasksFrom ? roleTaskFile(this.ctx, role, tasksFrom, from.ref) : undefined;
    const problems = this.take();
    if (!role || problems.length) throw new RackError(problems.length ? problems : [{ code: 'E_ROLE_NOT_FOUND', message: `role '${name}' not found`, ref: from.ref }]);
    return tasks ? { ...role, tasks } : role;
  }
}
