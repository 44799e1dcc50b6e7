import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../source/atomic.js';
import { isSecret } from '../commands/secret.js';
import type { Scope } from '../expr/scope.js';
import { evalCondition, evalExpr, parseExpr } from '../expr/index.js';
import { loadYamlFile } from '../source/yaml.js';
import { RackError } from '../errors.js';
import { becomeFor, findLocal, searchPaths, sleep, type TaskRun } from './task.js';
import type { TaskResult } from './result.js';

/** Modules the executor runs itself: they act on the run, not through a planner. */
const CONTROL = new Set([
  'debug',
  'set_fact',
  'assert',
  'fail',
  'pause',
  'wait_for_connection',
  'reboot',
  'fetch',
  'include_vars',
  'netboot',
]);
export const isControlModule = (name: string): boolean => CONTROL.has(name);

const ok = (more: Partial<TaskResult> = {}): TaskResult => ({ changed: false, failed: false, ...more });

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isSecret(v)) return String(v);
  return JSON.stringify(v);
}

export async function runControl(t: TaskRun, args: Record<string, unknown>, scope: Scope): Promise<TaskResult> {
  const { run, task, host } = t;
  switch (task.module) {
    case 'debug': {
      if (args.var !== undefined) {
        const name = String(args.var);
        const value = scope.has(name.split(/[.[]/)[0]) ? evalValue(name, scope) : 'VARIABLE IS NOT DEFINED!';
        return ok({ [name]: value, msg: `${name}: ${text(value)}` });
      }
      return ok({ msg: text(args.msg ?? 'Hello world!') });
    }
    case 'set_fact': {
      const state = run.hosts.get(host)!;
      for (const [k, v] of Object.entries(args)) if (k !== 'cacheable') state.hostVars[k] = v;
      return ok({ ansible_facts: args });
    }
    case 'include_vars': {
      const file = String(args.file ?? args._raw_params ?? args.free_form ?? '');
      const found = await findLocal(file, searchPaths(task, t.frame, 'vars')).catch(() => {
        throw new RackError({ code: 'E_FILE_NOT_FOUND', message: `include_vars: cannot find '${file}'`, ref: task.ref });
      });
      const loaded = loadYamlFile(found.path);
      if (loaded.diagnostics.length) throw new RackError(loaded.diagnostics);
      const vars = (loaded.value ?? {}) as Record<string, unknown>;
      const state = run.hosts.get(host)!;
      if (args.name) state.hostVars[String(args.name)] = vars;
      else Object.assign(state.hostVars, vars);
      return ok({ ansible_included_var_files: [found.path] });
    }
    case 'assert': {
      const that = Array.isArray(args.that) ? args.that : [args.that];
      for (const cond of that) {
        if (!evalCondition(String(cond), scope, task.argsRef)) {
          const msg = args.fail_msg ?? args.msg ?? `Assertion failed: ${cond}`;
          return { changed: false, failed: true, msg: text(msg), assertion: String(cond), evaluated_to: false };
        }
      }
      return ok({ msg: text(args.success_msg ?? 'All assertions passed') });
    }
    case 'fail':
      return { changed: false, failed: true, msg: text(args.msg ?? 'Failed as requested from task') };
    case 'pause': {
      const ms = (Number(args.minutes ?? 0) * 60 + Number(args.seconds ?? 0)) * 1000;
      if (ms > 0) await sleep(ms, run.opts.signal);
      return ok({ delta: ms / 1000 });
    }
    case 'wait_for_connection':
      return waitForConnection(t, Number(args.timeout ?? 600), Number(args.delay ?? 0), Number(args.sleep ?? 1));
    case 'reboot':
      return reboot(t, args, scope);
    case 'fetch':
      return fetchFile(t, args, scope);
    case 'netboot': {
      if (!run.netboot) return { changed: false, failed: true, msg: 'netboot is not available in this run' };
      return run.netboot(t, args);
    }
  }
  return { changed: false, failed: true, msg: `module ${task.module} is not implemented` };
}

/** debug var=a.b[0]: an expression, evaluated like a condition operand. */
function evalValue(expr: string, scope: Scope): unknown {
  return evalExpr(parseExpr(expr), scope);
}

async function waitForConnection(t: TaskRun, timeoutS: number, delayS: number, sleepS: number): Promise<TaskResult> {
  const { run, host } = t;
  await sleep(delayS * 1000, run.opts.signal);
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  while (Date.now() < deadline && !run.opts.signal.aborted) {
    try {
      const conn = await run.connect(host);
      const r = await conn.exec('true', { signal: run.opts.signal, timeoutMs: 10_000 });
      if (r.rc === 0) return ok({ elapsed: Math.round((timeoutS * 1000 - (deadline - Date.now())) / 1000) });
    } catch (e) {
      last = (e as Error).message;
      await run.disconnect(host);
    }
    await sleep(sleepS * 1000, run.opts.signal);
  }
  return { changed: false, failed: true, msg: `timed out waiting for ${host} to answer (${timeoutS} s): ${last}` };
}

async function bootId(t: TaskRun): Promise<string> {
  const conn = await t.run.connect(t.host);
  const r = await conn.exec('cat /proc/sys/kernel/random/boot_id', { signal: t.run.opts.signal });
  return r.stdout.toString().trim();
}

/** Reboot and wait until the node is back with a new boot id (not merely answering again). */
async function reboot(t: TaskRun, args: Record<string, unknown>, scope: Scope): Promise<TaskResult> {
  const { run, host, task } = t;
  if (run.opts.check || task.checkMode) return { changed: true, failed: false, msg: 'would reboot' };
  const timeout = Number(args.reboot_timeout ?? 600) * 1000;
  const before = await bootId(t);
  const conn = await run.connect(host);
  const cmd = String(args.reboot_command ?? 'systemctl reboot || shutdown -r now || reboot');
  const { become, becomeUser } = becomeFor(t, scope);
  // Detach so the command's connection drop is not a failure.
  await conn
    .exec(`(sleep 1; ${cmd}) >/dev/null 2>&1 </dev/null &`, { become, becomeUser, signal: run.opts.signal })
    .catch(() => undefined);
  await run.disconnect(host);
  const started = Date.now();
  await sleep(Number(args.pre_reboot_delay ?? 0) * 1000 + 2000, run.opts.signal);
  while (Date.now() - started < timeout && !run.opts.signal.aborted) {
    try {
      const now = await bootId(t);
      if (now && now !== before) {
        if (args.test_command) {
          const c = await run.connect(host);
          await c.exec(String(args.test_command), { become, becomeUser, signal: run.opts.signal });
        }
        return { changed: true, failed: false, rebooted: true, elapsed: Math.round((Date.now() - started) / 1000) };
      }
    } catch {
      await run.disconnect(host);
    }
    await sleep(1000, run.opts.signal);
  }
  return { changed: false, failed: true, rebooted: false, msg: `${host} did not come back with a new boot id within ${timeout / 1000} s` };
}

/** fetch: copy a remote file to the control machine (dest/HOST/path, or dest itself with flat). */
async function fetchFile(t: TaskRun, args: Record<string, unknown>, scope: Scope): Promise<TaskResult> {
  const { run, host, task } = t;
  const src = String(args.src);
  const flat = args.flat === true;
  const destArg = String(args.dest);
  const dest = flat
    ? destArg.endsWith('/')
      ? join(destArg, src.split('/').pop()!)
      : destArg
    : join(destArg, host, src);
  const full = resolve(t.frame.play.dir, dest);
  const conn = await run.connect(host);
  const { become } = becomeFor(t, scope);
  let data: Buffer;
  try {
    data = await conn.get(src, { become });
  } catch (e) {
    if (args.fail_on_missing === false) return ok({ msg: `the remote file does not exist: ${src}` });
    return { changed: false, failed: true, msg: `cannot fetch ${src}: ${(e as Error).message}` };
  }
  const before = await readFile(full).catch(() => undefined);
  if (before && before.equals(data)) return ok({ dest: full, remote_path: src });
  if (!run.opts.check) writeFileAtomic(full, data, 0o600, { mkdir: true });
  return { changed: true, failed: false, dest: full, remote_path: src };
}
