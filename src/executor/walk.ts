import { formatRef, RackError } from '../errors.js';
import { maskSecrets } from '../commands/secret.js';
import type { BlockTask, Condition, ModuleTask, Role, Task, TaskCommon } from '../playbook/types.js';
import { checkRoleArguments } from '../playbook/role-args.js';
import { markRaw, renderValue, toPlain } from '../template/index.js';
import type { Meeting, Semaphore } from './barrier.js';
import type { RunContext } from './context.js';
import { statusOf, hideOutput, type TaskResult } from './result.js';
import { scopeFor, type Frame } from './scope.js';
import { selectedByTags } from './tags.js';
import { conditionsHold, runTask } from './task.js';

/** What one host's pipeline shares with the other hosts of its batch. */
export interface Batch {
  run: RunContext;
  meeting: Meeting;
  forks: Semaphore;
  hosts: string[];
  /** Handlers of the play, and of roles included at run time. */
  handlers: Task[];
  /** end_play, or any of the below: every host of the batch stops. */
  stopped: boolean;
  /** any_errors_fatal / max_fail_percentage tripped: the whole playbook stops. */
  fatal: boolean;
  anyErrorsFatal: boolean;
  maxFailPercentage?: number;
}

/** Where a host is in the tree of tasks: tags and conditions inherited from enclosing blocks and roles. */
export interface Place {
  frame: Frame;
  tags: string[];
  id: string;
  handler?: boolean;
  /** `when` of enclosing blocks: checked for each task inside, as Ansible does. */
  when?: Condition[];
}

export type Outcome = 'ok' | 'failed';

export function taskTitle(task: TaskCommon & { module?: string; kind: string }): string {
  const base = task.name ?? (task.kind === 'module' ? (task as ModuleTask).module : task.kind);
  return task.role ? `${task.role.name} : ${base}` : base;
}

function renderTitle(batch: Batch, host: string, task: Task, place: Place): string {
  const title = taskTitle(task);
  if (!title.includes('{{')) return title;
  try {
    return String(renderValue(title, scopeFor(batch.run, host, place.frame, task), task.ref));
  } catch {
    return title;
  }
}

/** Run a list of tasks for one host; 'failed' means a failure not rescued nor ignored. */
export async function runTasks(batch: Batch, host: string, tasks: Task[], place: Place): Promise<Outcome> {
  const state = batch.run.hosts.get(host)!;
  for (let i = 0; i < tasks.length; i++) {
    if (state.done || batch.stopped || batch.run.quit || batch.run.opts.signal.aborted) return state.failed || state.unreachable ? 'failed' : 'ok';
    const task = tasks[i];
    const id = `${place.id}/${i}`;
    const tags = [...place.tags, ...task.tags];
    const here: Place = { ...place, tags, id };
    const outcome = await runOne(batch, host, task, here);
    if (outcome === 'failed') return 'failed';
  }
  return 'ok';
}

async function runOne(batch: Batch, host: string, task: Task, place: Place): Promise<Outcome> {
  const { run } = batch;
  const state = run.hosts.get(host)!;
  if (task.kind === 'block') return runBlock(batch, host, task, place);
  if (task.kind === 'include_tasks' || task.kind === 'include_role') {
    const scope = scopeFor(run, host, place.frame, task);
    if (!conditionsHold([...(place.when ?? []), ...task.when], scope)) return 'ok';
    if (task.loop === undefined) return runInclude(batch, host, task, place, {});
    const { items, loopVar } = loopItems(task, scope);
    for (const [i, item] of items.entries()) {
      const extra: Record<string, unknown> = { [loopVar]: item };
      if (task.loopControl?.indexVar) extra[task.loopControl.indexVar] = i;
      if ((await runInclude(batch, host, task, { ...place, id: `${place.id}/${i}` }, extra)) === 'failed') return 'failed';
    }
    return 'ok';
  }
  if (!place.handler && !selectedByTags(place.tags, run.opts)) return 'ok';
  if (!place.handler && skippedByStart(run, host, task, place)) return 'ok';
  if (task.module === 'meta') {
    if (!conditionsHold([...(place.when ?? []), ...task.when], scopeFor(run, host, place.frame, task))) return 'ok';
    return runMeta(batch, host, task, place);
  }
  await batch.meeting.arrive();
  if (state.done || batch.stopped || run.quit) return state.failed || state.unreachable ? 'failed' : 'ok';
  if (run.opts.step && run.stepping && run.opts.askStep) {
    const answer = await askOnce(run, place.id, taskTitle(task));
    if (answer === 'quit') {
      run.quit = true;
      return 'ok';
    }
    if (answer === 'no') return 'ok';
    if (answer === 'continue') run.stepping = false;
  }
  return runModule(batch, host, task, place);
}

/** --step asks once per task, for every host of the batch, one question at a time. */
function askOnce(run: RunContext, id: string, title: string): Promise<'yes' | 'no' | 'continue' | 'quit'> {
  let answer = run.stepAnswers.get(id);
  if (!answer) {
    const asked = run.stepQueue.then(() => (run.stepping ? run.opts.askStep!(run.playBatch.join(','), title) : ('yes' as const)));
    run.stepQueue = asked;
    run.stepAnswers.set(id, asked);
    answer = asked;
  }
  return answer;
}

/** The items an include loops over, and the name each one gets. */
function loopItems(task: TaskCommon, scope: ReturnType<typeof scopeFor>): { items: unknown[]; loopVar: string } {
  const items = renderValue(task.loop, scope, task.ref);
  if (!Array.isArray(items)) throw new RackError({ code: 'E_LOOP', message: `loop must be a list, got ${items === null ? 'null' : typeof items}`, ref: task.ref });
  return { items, loopVar: task.loopControl?.loopVar ?? 'item' };
}

async function runInclude(batch: Batch, host: string, task: Extract<Task, { kind: 'include_tasks' | 'include_role' }>, place: Place, extra: Record<string, unknown>): Promise<Outcome> {
  const { run } = batch;
  const vars = { ...(task.vars ?? {}), ...extra };
  const scope = scopeFor(run, host, place.frame, task, extra);
  if (task.kind === 'include_tasks') {
    const file = String(renderValue(task.file, scope, task.ref));
    const loaded = await run.loader.loadTaskFile(file, task);
    const frame = { ...place.frame, blockVars: [...place.frame.blockVars, vars] };
    return runTasks(batch, host, loaded, { ...place, frame });
  }
  const role = await run.loader.loadRole(String(renderValue(task.roleName, scope, task.ref)), task, task.tasksFrom);
  const params = renderValue({ ...task.roleVars, ...vars }, scope, task.ref) as Record<string, unknown>;
  for (const h of role.handlers) if (!batch.handlers.includes(h)) batch.handlers.push(h);
  return runRoleTasks(batch, host, role, params, place);
}

/** --start-at-task NAME and --resume: skip until the named or failed task is reached. */
function skippedByStart(run: RunContext, host: string, task: ModuleTask, place: Place): boolean {
  const state = run.hosts.get(host)!;
  if (state.startAt === undefined) return false;
  const hit = state.startAt.kind === 'id' ? place.id === state.startAt.value : matchesName(taskTitle(task), task.name, state.startAt.value);
  if (!hit) return true;
  state.startAt = undefined;
  return false;
}

function matchesName(title: string, name: string | undefined, wanted: string): boolean {
  if (wanted.includes('*')) {
    const re = new RegExp(`^${wanted.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return re.test(title) || (name !== undefined && re.test(name));
  }
  return title === wanted || name === wanted;
}

export async function runRoleTasks(batch: Batch, host: string, role: Role, params: Record<string, unknown>, place: Place): Promise<Outcome> {
  const frame: Frame = { ...place.frame, role, roleParams: params, blockVars: [] };
  const problems = role.argumentSpecs ? checkRoleArguments(role, specValues(role, scopeFor(batch.run, host, frame))) : [];
  if (problems.length) {
    const state = batch.run.hosts.get(host)!;
    const msg = problems.map((d) => `${d.message}${d.ref ? ` (${formatRef(d.ref)})` : ''}`).join('; ');
    report(batch, host, { kind: 'module', module: 'validate_argument_spec', name: `${role.name} : validate role arguments`, ref: role.ref } as ModuleTask, { changed: false, failed: true, msg }, place, 0);
    state.failed = true;
    return 'failed';
  }
  return runTasks(batch, host, role.tasks, { ...place, frame });
}

/** The values a role's argument_specs name, as the role will see them. */
function specValues(role: Role, scope: ReturnType<typeof scopeFor>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  // Plain copies: the checker converts values in place (e.g. list elements), views are read-only.
  for (const name of Object.keys(role.argumentSpecs?.options ?? {})) if (scope.has(name)) values[name] = toPlain(scope.get(name), true);
  return values;
}

async function runBlock(batch: Batch, host: string, task: BlockTask, place: Place): Promise<Outcome> {
  const { run } = batch;
  const state = run.hosts.get(host)!;
  const frame: Frame = task.vars ? { ...place.frame, blockVars: [...place.frame.blockVars, task.vars] } : place.frame;
  // The block's `when` goes with each task inside: skipped tasks are reported and hosts still meet.
  const inner: Place = { ...place, frame, when: [...(place.when ?? []), ...task.when] };
  const failedBefore = state.counts.failed;
  let outcome = await runTasks(batch, host, task.block, { ...inner, id: `${place.id}/b` });
  if (outcome === 'failed' && task.rescue.length && !state.unreachable) {
    state.failed = false;
    outcome = await runTasks(batch, host, task.rescue, { ...inner, id: `${place.id}/r` });
    if (outcome === 'ok') {
      // As in Ansible's recap: a rescued failure counts as rescued, not failed.
      state.counts.rescued++;
      state.counts.failed = failedBefore;
    }
  }
  if (task.always.length && !state.unreachable) {
    const wasFailed = state.failed;
    state.failed = false;
    const always = await runTasks(batch, host, task.always, { ...inner, id: `${place.id}/a` });
    state.failed = wasFailed || always === 'failed';
    if (always === 'failed') outcome = 'failed';
  }
  return outcome;
}

async function runMeta(batch: Batch, host: string, task: ModuleTask, place: Place): Promise<Outcome> {
  const action = String(task.args.free_form ?? task.args._raw_params ?? Object.values(task.args)[0] ?? '');
  const state = batch.run.hosts.get(host)!;
  switch (action) {
    case 'flush_handlers':
      await flushHandlers(batch, host, place);
      return state.done ? 'failed' : 'ok';
    case 'end_play':
      batch.stopped = true;
      return 'ok';
    case 'end_host':
      state.ended = true;
      return 'ok';
    case 'reset_connection':
      // The next task opens a fresh connection (e.g. to prove a new firewall lets rack in).
      await batch.run.disconnect(host);
      return 'ok';
    case 'clear_facts':
      state.facts = undefined;
      return 'ok';
    case 'noop':
    case 'refresh_inventory':
    case 'clear_host_errors':
      return 'ok';
  }
  throw new RackError({ code: 'E_META', message: `unknown meta action '${action}'`, ref: task.ref, hint: 'use flush_handlers, end_play, end_host, clear_facts or noop' });
}

async function runModule(batch: Batch, host: string, task: ModuleTask, place: Place): Promise<Outcome> {
  const { run } = batch;
  const state = run.hosts.get(host)!;
  const started = Date.now();
  run.opts.emit({ event: 'task_start', host, task: renderTitle(batch, host, task, place), ref: task.ref, handler: place.handler });
  // Anything a task's expressions throw (when, loop, until, changed_when) fails that task, so
  // rescue, ignore_errors and --resume apply to it like to any failure.
  const attempt = (): Promise<TaskResult> =>
    batch.forks.use(() => runTask({ run, host, task, frame: place.frame, when: place.when })).catch((e: unknown) => errorResult(e));
  let result: TaskResult;
  if (task.runOnce) {
    let shared = run.runOnce.get(task);
    if (!shared) {
      shared = attempt();
      run.runOnce.set(task, shared);
    }
    result = (await shared) as TaskResult;
    if (task.module === 'set_fact' && !result.failed)
      for (const h of batch.hosts) Object.assign(run.hosts.get(h)!.hostVars, result.ansible_facts as Record<string, unknown>);
  } else result = await attempt();
  // Registered output is final text: never templated again, even if it contains {{.
  if (task.register) state.hostVars[task.register] = markRaw(task.noLog ? hideOutput(result) : result);
  if (task.runOnce && task.register)
    for (const h of batch.hosts) run.hosts.get(h)!.hostVars[task.register] = state.hostVars[task.register];
  const ignored = !!result.failed && !!task.ignoreErrors;
  report(batch, host, task, result, place, Date.now() - started);
  if (result.changed && !result.failed && task.notify.length) {
    const scope = scopeFor(run, host, place.frame, task);
    for (const n of task.notify) state.notified.add(n.includes('{{') ? String(renderValue(n, scope, task.ref)) : n);
  }
  if (result.unreachable && !task.ignoreUnreachable) {
    state.unreachable = true;
    state.failedAt = place.id;
    return 'failed';
  }
  if (result.failed && !ignored) {
    state.failed = true;
    state.failedAt = place.id;
    if (batch.anyErrorsFatal || task.anyErrorsFatal) batch.stopped = batch.fatal = true;
    checkFailPercentage(batch);
    return 'failed';
  }
  return 'ok';
}

export function errorResult(e: unknown): TaskResult {
  if (e instanceof RackError) {
    const d = e.diagnostics[0];
    return { changed: false, failed: true, msg: d.ref ? `${d.message} (${formatRef(d.ref)})` : d.message };
  }
  return { changed: false, failed: true, msg: (e as Error).message };
}

function checkFailPercentage(batch: Batch): void {
  if (batch.maxFailPercentage === undefined) return;
  const failed = batch.hosts.filter((h) => batch.run.hosts.get(h)!.done).length;
  if ((failed / batch.hosts.length) * 100 > batch.maxFailPercentage) batch.stopped = batch.fatal = true;
}

export function report(batch: Batch, host: string, task: ModuleTask, result: TaskResult, place: Place, ms: number): void {
  const state = batch.run.hosts.get(host)!;
  const status = statusOf(result, !!task.ignoreErrors);
  state.counts[status]++;
  const hide = task.noLog;
  const text = (s: unknown) => (typeof s === 'string' ? maskSecrets(s) : undefined);
  batch.run.opts.emit({
    event: 'task',
    host,
    task: renderTitle(batch, host, task, place),
    status,
    ms,
    ref: task.ref,
    msg: hide ? (result.failed ? 'output hidden (no_log)' : undefined) : text(result.msg),
    rc: result.rc,
    stdout: hide ? undefined : text(result.stdout),
    stderr: hide ? undefined : text(result.stderr),
    diff: hide ? undefined : result.diff?.map((d) => ({ path: d.path, before: maskSecrets(d.before), after: maskSecrets(d.after) })),
    delegatedTo: task.delegateTo,
    handler: place.handler,
  });
}

/** Run notified handlers once each, in the order they are defined. */
export async function flushHandlers(batch: Batch, host: string, place: Place): Promise<void> {
  const { run } = batch;
  const state = run.hosts.get(host)!;
  // Still skipping towards a --resume/--start-at-task point: pending handlers wait for it.
  if (state.notified.size === 0 || state.startAt) return;
  if (state.failed && !run.opts.forceHandlers) return;
  if (state.unreachable) return;
  const scope = scopeFor(run, host, place.frame);
  for (let i = 0; i < batch.handlers.length; i++) {
    const h = batch.handlers[i];
    const name = h.name ? String(renderValue(h.name, scope, h.ref)) : undefined;
    const hit = (name && state.notified.has(name)) || (h.role && h.name && state.notified.has(`${h.role.name} : ${h.name}`)) || h.listen.some((l) => state.notified.has(l));
    if (!hit) continue;
    const frame: Frame = h.role ? { ...place.frame, role: h.role } : place.frame;
    const outcome = await runOne(batch, host, h, { frame, tags: [], id: `${place.id}/h${i}`, handler: true });
    if (outcome === 'failed') break;
  }
  state.notified.clear();
}
