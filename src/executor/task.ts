import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { isSecret } from '../commands/secret.js';
import { RackError, formatRef } from '../errors.js';
import { UnreachableError, type Connection } from '../connection/types.js';
import { evalCondition } from '../expr/index.js';
import { getModule } from '../modules/index.js';
import { normalizeArgs } from '../modules/args.js';
import type { ModuleContext } from '../modules/types.js';
import type { Condition, ModuleTask, TaskCommon } from '../playbook/types.js';
import { renderTemplateText, renderValue } from '../template/index.js';
import type { Scope } from '../expr/scope.js';
import { applyCommands } from './apply.js';
import { connectionSettings } from '../inventory/connection.js';
import type { RunContext } from './context.js';
import { runControl, isControlModule } from './control.js';
import { loopResult, withOutput, type TaskResult } from './result.js';
import { OMIT, scopeFor, type Frame } from './scope.js';

/** Everything needed to run one task on one host. */
export interface TaskRun {
  run: RunContext;
  host: string;
  task: ModuleTask;
  frame: Frame;
  /** Loop item variables and the like. */
  extra?: Record<string, unknown>;
  /** Conditions of enclosing blocks. */
  when?: Condition[];
}

export function conditionsHold(conds: Condition[] | undefined, scope: Scope): boolean {
  return (conds ?? []).every((c) => evalCondition(c.text, scope, c.ref));
}

/** Drop arguments set to `omit`, and reveal nothing: secrets stay Secret objects. */
function withoutOmitted(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT).map(withoutOmitted);
  if (v && typeof v === 'object' && !isSecret(v) && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== OMIT) out[k] = withoutOmitted(x);
    return out;
  }
  return v;
}

/** Files named by copy src / template src are looked up like Ansible does. */
export function searchPaths(task: TaskCommon, frame: Frame, sub: 'files' | 'templates' | 'vars' | 'tasks'): string[] {
  const dirs: string[] = [];
  if (task.role) dirs.push(join(task.role.dir, sub), task.role.dir);
  dirs.push(join(task.dir, sub), task.dir, join(frame.play.dir, sub), frame.play.dir);
  return [...new Set(dirs)];
}

export async function findLocal(path: string, dirs: string[]): Promise<{ path: string; data: Buffer }> {
  const candidates = isAbsolute(path) ? [path] : dirs.map((d) => join(d, path));
  for (const c of candidates) {
    try {
      return { path: c, data: await readFile(c) };
    } catch {
      /* next */
    }
  }
  throw new Error(`could not find '${path}' in: ${candidates.join(', ')}`);
}

function renderedEnv(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const env: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) env[k] = isSecret(x) ? x.reveal() : String(x);
  return env;
}

export interface Target {
  name: string;
  conn: Connection;
  become: boolean;
  becomeUser?: string;
  env?: Record<string, string>;
}

/** Run a module task once (one loop item) and return what register would store. */
export async function runModuleOnce(t: TaskRun, scope: Scope): Promise<TaskResult> {
  const { run, task, frame } = t;
  const rawArgs = withoutOmitted(renderValue(task.args, scope, task.argsRef)) as Record<string, unknown>;
  if (isControlModule(task.module)) return runControl(t, rawArgs, scope);
  const mod = getModule(task.module);
  if (!mod) throw new RackError({ code: 'E_UNKNOWN_MODULE', message: `unknown module '${task.module}'`, ref: task.ref });
  const args = normalizeArgs(task.module, rawArgs);
  const target = await resolveTarget(t, scope);
  const targetState = run.hosts.get(target.name);
  // Read-only modules (stat, slurp, wait_for) run in --check too: they change nothing.
  const checkMode = (task.checkMode ?? run.opts.check) && !mod.readOnly;
  const ctx: ModuleContext = {
    host: target.name,
    facts: targetState?.facts ?? {},
    check: checkMode,
    diff: task.diff ?? run.opts.diff,
    imagesDir: run.opts.imagesDir,
    readLocal: async (p) => (await findLocal(p, searchPaths(task, frame, 'files'))).data,
    renderTemplate: async (p) => {
      const found = await findLocal(p, searchPaths(task, frame, 'templates'));
      return renderTemplateText(found.data.toString('utf8'), scope, { file: found.path, line: 1, col: 1 });
    },
  };
  const work = async (): Promise<TaskResult> => {
    const execOpts = { become: target.become, becomeUser: target.becomeUser, env: target.env, signal: run.opts.signal };
    const probeText = mod.probe?.(args, ctx) ?? null;
    const probe = probeText ? await target.conn.exec(probeText.text, execOpts) : null;
    const plan = await mod.plan(
      args,
      probe ? { stdout: probe.stdout.toString('utf8'), stderr: probe.stderr.toString('utf8'), rc: probe.rc } : null,
      ctx,
    );
    const result: TaskResult = { changed: false, failed: false, ...(plan.result ?? {}) };
    if (plan.diff?.length) result.diff = plan.diff;
    if (plan.failed) return { ...result, failed: true, msg: plan.failed };
    if (mod.runsUserCode && checkMode) return { ...result, skipped: true, msg: 'skipped: check mode does not run commands (set check_mode: false to run it)' };
    const willChange = plan.changed ?? plan.commands.length > 0;
    if (checkMode || plan.commands.length === 0) return { ...result, changed: checkMode ? willChange : !!plan.changed };
    const applied = await applyCommands(target.conn, plan.commands, execOpts);
    withOutput(result, applied.stdout, applied.stderr, applied.rc);
    if (applied.backupFile) result.backup_file = applied.backupFile;
    result.changed = willChange;
    if (!applied.ok) {
      result.failed = true;
      const cmd = applied.failedCommand?.trim().split('\n');
      result.msg = cmd ? `command failed (rc=${applied.rc}): ${cmd[0]}${cmd.length > 1 ? ' …' : ''}` : `failed (rc=${applied.rc})`;
    }
    return result;
  };
  // Tasks delegated to a host plan and apply under that host's lock: several hosts may edit one file there.
  return task.delegateTo && targetState ? targetState.lock.run(work) : work();
}

const BECOME_VARS = ['become', 'become_user', 'ansible_become', 'ansible_become_user'];

/** Task, then play, then inventory (ansible_become / become) settings decide sudo. */
export function becomeFor(t: TaskRun, scope: Scope): { become: boolean; becomeUser?: string } {
  const fromHost = connectionSettings(Object.fromEntries(BECOME_VARS.filter((v) => scope.has(v)).map((v) => [v, scope.get(v)])));
  return {
    become: t.task.become ?? t.frame.play.become ?? fromHost.become ?? false,
    becomeUser: t.task.becomeUser ?? t.frame.play.becomeUser ?? fromHost.becomeUser,
  };
}

async function resolveTarget(t: TaskRun, scope: Scope): Promise<Target> {
  const { run, task, frame } = t;
  const name = task.delegateTo ? String(renderValue(task.delegateTo, scope, task.ref)) : t.host;
  const conn = await run.connect(name);
  const { become, becomeUser } = becomeFor(t, scope);
  const env = renderedEnv(renderValue(task.environment ?? frame.play.environment, scope, task.ref));
  return { name, conn, become, becomeUser, env };
}

function evalFlag(v: Condition[] | boolean | undefined, scope: Scope): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  return conditionsHold(v, scope);
}

/** A pause that ends early on Ctrl-C, and leaves no listener behind. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/** One item: until/retries, changed_when/failed_when, unreachable handling. */
async function runItem(t: TaskRun, extra: Record<string, unknown>): Promise<TaskResult> {
  const { run, task } = t;
  const scopeWith = (more: Record<string, unknown>) => scopeFor(run, t.host, t.frame, task, { ...extra, ...more });
  const scope = scopeWith({});
  if (!conditionsHold([...(t.when ?? []), ...task.when], scope)) return { changed: false, failed: false, skipped: true, msg: 'condition was false' };
  const attempts = task.until ? (task.retries ?? 3) + 1 : 1;
  let result: TaskResult = { changed: false, failed: false };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      result = await runModuleOnce(t, scope);
    } catch (e) {
      if (e instanceof UnreachableError) return { changed: false, failed: false, unreachable: true, msg: e.message };
      if (e instanceof RackError) {
        const d = e.diagnostics[0];
        result = { changed: false, failed: true, msg: d.ref ? `${d.message} (${formatRef(d.ref)})` : d.message };
      } else result = { changed: false, failed: true, msg: (e as Error).message };
    }
    if (result.skipped) return result;
    const reg = task.register ? { [task.register]: result } : {};
    const after = scopeWith(reg);
    const changed = evalFlag(task.changedWhen, after);
    if (changed !== undefined) result.changed = changed;
    const failed = evalFlag(task.failedWhen, after);
    if (failed !== undefined) {
      result.failed = failed;
      if (!failed) delete result.msg;
    }
    if (!task.until) break;
    if (!result.failed && evalCondition(task.until.text, scopeWith(task.register ? { [task.register]: result } : {}), task.until.ref)) {
      result.attempts = attempt;
      break;
    }
    result.attempts = attempt;
    if (attempt === attempts) {
      result.failed = true;
      result.msg = result.msg ?? `condition '${task.until.text}' not met after ${attempts} attempts`;
    } else await sleep((task.delay ?? 5) * 1000, run.opts.signal);
    if (run.opts.signal.aborted) break;
  }
  return result;
}

/** A module task on one host: loops included. */
export async function runTask(t: TaskRun): Promise<TaskResult> {
  const { task } = t;
  if (task.loop === undefined) return runItem(t, t.extra ?? {});
  const scope = scopeFor(t.run, t.host, t.frame, task, t.extra);
  const items = renderValue(task.loop, scope, task.ref);
  if (!Array.isArray(items))
    return { changed: false, failed: true, msg: `loop must be a list, got ${items === null ? 'null' : typeof items} (${formatRef(task.ref)})` };
  const loopVar = task.loopControl?.loopVar ?? 'item';
  const results: TaskResult[] = [];
  for (let i = 0; i < items.length; i++) {
    const extra: Record<string, unknown> = {
      ...(t.extra ?? {}),
      [loopVar]: items[i],
      ansible_loop: { index: i + 1, index0: i, first: i === 0, last: i === items.length - 1, length: items.length },
    };
    if (task.loopControl?.indexVar) extra[task.loopControl.indexVar] = i;
    const r = await runItem(t, extra);
    r[loopVar] = items[i];
    r.item = items[i];
    results.push(r);
    if (r.unreachable) return { ...loopResult(results), unreachable: true, msg: r.msg };
    if (t.run.opts.signal.aborted) break;
  }
  return loopResult(results);
}
