import { gatherFacts } from '../facts/index.js';
import { UnreachableError } from '../connection/types.js';
import { loadYamlFile } from '../source/yaml.js';
import { RackError } from '../errors.js';
import { resolve } from 'node:path';
import type { Play } from '../playbook/types.js';
import { lazyScope, markRaw, renderValue } from '../template/index.js';
import { Barrier, freeRunning, Semaphore } from './barrier.js';
import type { RunContext } from './context.js';
import type { Frame } from './scope.js';
import { scopeFor } from './scope.js';
import { conditionsHold } from './task.js';
import { flushHandlers, report, runRoleTasks, runTasks, type Batch, type Place } from './walk.js';
import type { ModuleTask } from '../playbook/types.js';

/** Split a play's hosts into batches by `serial` (numbers, percentages, or a list of them). */
export function batchesOf(hosts: string[], serial: Array<number | string> | undefined): string[][] {
  if (!serial || serial.length === 0) return [hosts];
  const size = (s: number | string) => {
    const n = typeof s === 'string' && s.endsWith('%') ? Math.floor((hosts.length * parseFloat(s)) / 100) : Number(s);
    return Math.max(1, n || hosts.length);
  };
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const n = size(serial[Math.min(k, serial.length - 1)]);
    out.push(hosts.slice(i, i + n));
    i += n;
    k++;
  }
  return out;
}

function loadVarsFiles(play: Play, extraVars: Record<string, unknown>): Record<string, unknown>[] {
  const layers: Record<string, unknown>[] = [];
  for (const vf of play.varsFiles) {
    // Paths may use play vars and extra vars (vars/{{ env }}.yml).
    const path = String(renderValue(vf.path, lazyScope([play.vars, ...layers, extraVars]), vf.ref));
    const loaded = loadYamlFile(resolve(play.dir, path), vf.ref);
    if (loaded.diagnostics.length) throw new RackError(loaded.diagnostics);
    layers.push((loaded.value ?? {}) as Record<string, unknown>);
  }
  return layers;
}

/** Run one play on its hosts, batch by batch; 'fatal' when the playbook must stop (any_errors_fatal). */
export async function runPlay(run: RunContext, play: Play, playIndex: number, hosts: string[]): Promise<'ok' | 'fatal'> {
  const playVars = [play.vars, ...loadVarsFiles(play, run.opts.extraVars)];
  const playRoles = play.roles.map((r) => r.role);
  run.playHosts = hosts;
  for (const batchHosts of batchesOf(hosts, play.serial)) {
    if (run.opts.signal.aborted || run.quit) return 'ok';
    run.playBatch = batchHosts;
    run.runOnce.clear(); // run_once means once per batch
    const batch: Batch = {
      run,
      meeting: play.strategy === 'free' ? freeRunning : new Barrier(batchHosts.length),
      forks: new Semaphore(run.opts.forks),
      hosts: batchHosts,
      handlers: [...play.handlers, ...play.roles.flatMap((r) => r.role.handlers.filter((h) => !play.handlers.includes(h)))],
      stopped: false,
      fatal: false,
      anyErrorsFatal: play.anyErrorsFatal,
      maxFailPercentage: play.maxFailPercentage,
    };
    await Promise.all(
      batchHosts.map(async (host) => {
        try {
          await runHost(batch, host, play, playIndex, { play, playVars, playRoles, blockVars: [] });
        } catch (e) {
          // An error outside any one task (a role parameter that cannot render, an include that
          // cannot load) fails this host, not the whole run.
          failHost(batch, host, play, e);
        } finally {
          batch.meeting.leave();
        }
      }),
    );
    if (batch.fatal) return 'fatal';
    if (batch.stopped) return 'ok'; // meta: end_play ends every batch of the play
  }
  return 'ok';
}

async function runHost(batch: Batch, host: string, play: Play, playIndex: number, frame: Frame): Promise<void> {
  const { run } = batch;
  const state = run.hosts.get(host)!;
  const base: Place = { frame, tags: play.tags, id: `${playIndex}` };
  if (play.gatherFacts) {
    await batch.meeting.arrive();
    const started = Date.now();
    run.opts.emit({ event: 'task_start', host, task: 'Gathering Facts', ref: play.ref });
    const gather: ModuleTask = { kind: 'module', module: 'gather_facts', name: 'Gathering Facts', ref: play.ref } as ModuleTask;
    try {
      const conn = await batch.forks.use(() => run.connect(host));
      state.facts = markRaw(await batch.forks.use(() => gatherFacts(conn)));
      report(batch, host, gather, { changed: false, failed: false }, base, Date.now() - started);
    } catch (e) {
      const unreachable = e instanceof UnreachableError;
      report(batch, host, gather, { changed: false, failed: !unreachable, unreachable, msg: (e as Error).message }, base, Date.now() - started);
      if (unreachable) state.unreachable = true;
      else state.failed = true;
      state.failedAt = `${playIndex}/facts`;
      return;
    }
  }
  const sections: Array<[string, () => Promise<unknown>]> = [
    ['pre_tasks', () => runTasks(batch, host, play.preTasks, { ...base, id: `${playIndex}/pre` })],
    [
      'roles',
      async () => {
        for (let i = 0; i < play.roles.length && !state.done && !batch.stopped; i++) {
          const use = play.roles[i];
          await runRoleUse(batch, host, use, { ...base, id: `${playIndex}/roles/${i}` });
        }
        return runTasks(batch, host, play.tasks, { ...base, id: `${playIndex}/tasks` });
      },
    ],
    ['post_tasks', () => runTasks(batch, host, play.postTasks, { ...base, id: `${playIndex}/post` })],
  ];
  for (const [name, section] of sections) {
    if (state.done || batch.stopped || run.opts.signal.aborted) break;
    await section();
    await flushHandlers(batch, host, { ...base, id: `${playIndex}/${name}` });
  }
  if (run.opts.forceHandlers && state.failed) {
    state.failed = false;
    await flushHandlers(batch, host, { ...base, id: `${playIndex}/forced` });
    state.failed = true;
  }
}

function failHost(batch: Batch, host: string, play: Play, e: unknown): void {
  const state = batch.run.hosts.get(host)!;
  const d = e instanceof RackError ? e.diagnostics[0] : undefined;
  const msg = d ? `${d.message}${d.hint ? ` (${d.hint})` : ''}` : (e as Error).message;
  const task = { kind: 'module', module: 'error', name: 'error', ref: d?.ref ?? play.ref } as ModuleTask;
  report(batch, host, task, { changed: false, failed: true, msg }, { frame: { play, playVars: [], playRoles: [], blockVars: [] }, tags: [], id: 'error' }, 0);
  state.failed = true;
}

/** A role from `roles:` (the loader already put meta dependencies first, each once). */
async function runRoleUse(batch: Batch, host: string, use: Play['roles'][number], place: Place): Promise<void> {
  const { run } = batch;
  const frame: Frame = { ...place.frame, role: use.role };
  const scope = scopeFor(run, host, frame);
  const params = renderValue(use.vars, scope, use.ref) as Record<string, unknown>;
  const roleFrame: Frame = { ...frame, roleParams: params };
  if (!conditionsHold(use.when, scopeFor(run, host, roleFrame))) return;
  await runRoleTasks(batch, host, use.role, params, { ...place, tags: [...place.tags, ...use.tags] });
}
