import type { Play, Role, TaskCommon } from '../playbook/types.js';
import type { Scope } from '../expr/scope.js';
import { lazyScope, toTemplateContext } from '../template/index.js';
import type { RunContext } from './context.js';

/** The variables a task sees, one layer per source (lowest first): the documented precedence. */
export interface Frame {
  play: Play;
  /** play vars, then vars_files (already loaded). */
  playVars: Record<string, unknown>[];
  /** Every role of the play: their defaults are visible play-wide, as in Ansible. */
  playRoles: Role[];
  role?: Role;
  roleParams?: Record<string, unknown>;
  /** vars of enclosing blocks and include parameters, outermost first. */
  blockVars: Record<string, unknown>[];
}

export function factsLayer(facts: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!facts) return {};
  const layer: Record<string, unknown> = { facts, ansible_facts: facts };
  for (const [k, v] of Object.entries(facts)) layer[`ansible_${k}`] = v;
  return layer;
}

/** Variables any template may use about the run and the inventory. */
function magicVars(run: RunContext, host: string, frame?: Frame): Record<string, unknown> {
  const m: Record<string, unknown> = {
    inventory_hostname: host,
    inventory_hostname_short: host.split('.')[0],
    group_names: run.inventory.groupsOf(host),
    groups: run.groups,
    hostvars: run.hostvarsView(),
    ansible_check_mode: run.opts.check,
    ansible_diff_mode: run.opts.diff,
    omit: OMIT,
  };
  if (frame) {
    m.playbook_dir = frame.play.dir;
    m.ansible_play_hosts = run.playHosts;
    m.play_hosts = run.playHosts;
    m.ansible_play_batch = run.playBatch;
    if (frame.role) {
      m.role_name = frame.role.name;
      m.role_path = frame.role.dir;
    }
  }
  return m;
}

/** Placeholder a module argument can be set to, to leave it out (Ansible's `omit`). */
export const OMIT = '__rack_omit_placeholder__';

export function hostLayers(run: RunContext, host: string, frame?: Frame, task?: TaskCommon, extra?: Record<string, unknown>): Record<string, unknown>[] {
  const state = run.hosts.get(host);
  // Defaults rack gives every play, below role defaults: anything may override them.
  const layers: Record<string, unknown>[] = [{ rack_images_dir: run.opts.imagesDir }];
  if (frame) for (const r of frame.playRoles) layers.push(r.defaults);
  if (frame?.role) layers.push(frame.role.defaults);
  layers.push(run.inventory.hostVars(host));
  layers.push(factsLayer(state?.facts));
  if (frame) {
    layers.push(...frame.playVars);
    for (const r of frame.playRoles) layers.push(r.vars);
    if (frame.role) layers.push(frame.role.vars);
    if (frame.roleParams) layers.push(frame.roleParams);
    layers.push(...frame.blockVars);
  }
  if (task?.vars) layers.push(task.vars);
  if (extra) layers.push(extra);
  if (state) layers.push(state.hostVars);
  layers.push(magicVars(run, host, frame));
  layers.push(run.opts.extraVars);
  return layers;
}

export function scopeFor(run: RunContext, host: string, frame?: Frame, task?: TaskCommon, extra?: Record<string, unknown>): Scope {
  return lazyScope(hostLayers(run, host, frame, task, extra));
}

/** hostvars.NAME: another host's inventory vars, facts and registered vars, rendered on access. */
export function hostvarsView(run: RunContext): Record<string, unknown> {
  const known = (name: string | symbol): name is string => typeof name === 'string' && (run.inventory.hostNames().includes(name) || run.hosts.has(name));
  const view = (name: string) => toTemplateContext(scopeFor(run, name));
  return new Proxy({} as Record<string, unknown>, {
    get(_t, name) {
      return known(name) ? view(name) : undefined;
    },
    has(_t, name) {
      return known(name);
    },
    ownKeys() {
      return run.inventory.hostNames();
    },
    getOwnPropertyDescriptor(_t, name) {
      return known(name) ? { enumerable: true, configurable: true, value: view(name) } : undefined;
    },
  });
}
