import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from './errors.js';
import { checkPlaybook, checkPlaybookFile } from './playbook/check.js';
import { newContext, type LoadOptions } from './playbook/context.js';
import { PlaybookTaskLoader } from './playbook/task-loader.js';
import { loadRole } from './playbook/roles.js';
import type { Play } from './playbook/types.js';

/** The rack package's own root (playbooks/ and roles/ ship there). */
export const packageRoot = fileURLToPath(new URL('../', import.meta.url));

/** Check playbooks (and role directories given directly): every diagnostic, in file order. */
export async function checkProject(files: string[], opts: LoadOptions = {}): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const f of files) {
    const path = resolve(f);
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) out.push(...(await checkRoleDir(path, opts)));
    else if (!existsSync(path)) out.push({ code: 'E_FILE_NOT_FOUND', message: `playbook '${f}' not found`, hint: `looked for ${path}` });
    else out.push(...(await checkPlaybookFile(path, opts)).diagnostics);
  }
  return out;
}

/** A role on its own, as if a play used it without parameters. */
export async function checkRoleDir(dir: string, opts: LoadOptions = {}): Promise<Diagnostic[]> {
  const fake = join(dirname(dir), '..', '__role_check__.yml');
  const ctx = newContext(fake, opts);
  const ref = { file: dir, line: 1, col: 1 };
  const role = loadRole(ctx, basename(dir), dir, ref);
  const diagnostics = [...ctx.diagnostics];
  ctx.diagnostics = [];
  if (!role) return diagnostics;
  const play: Play = {
    name: role.name, ref, file: fake, dir: dirname(fake), hosts: 'all', vars: {}, varsFiles: [],
    roles: [{ role, vars: {}, when: [], tags: [], ref }], preTasks: [], tasks: [], postTasks: [], handlers: [],
    gatherFacts: false, strategy: 'linear', anyErrorsFatal: false, tags: [],
  };
  const deep = await checkPlaybook({ playbook: { file: fake, plays: [play] }, diagnostics, context: ctx, loader: new PlaybookTaskLoader(fake, opts) });
  return [...diagnostics, ...deep];
}

function listYaml(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
}

/** playbooks/*.yml shipped with rack. */
export function shippedPlaybooks(root = packageRoot): string[] {
  return listYaml(join(root, 'playbooks'));
}

/** roles/* shipped with rack. */
export function shippedRoles(root = packageRoot): string[] {
  const dir = join(root, 'roles');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name)).sort();
}
