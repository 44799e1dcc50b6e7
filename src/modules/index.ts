import { modules } from '../schema/modules.js';
import { normalizeArgs } from './args.js';
import { command, rawModule, script, shell } from './commands/run.js';
import { blockinfile } from './files/blockinfile.js';
import { copy } from './files/copy.js';
import { file } from './files/file.js';
import { getUrl } from './files/get_url.js';
import { git } from './files/git.js';
import { lineinfile } from './files/lineinfile.js';
import { replace } from './files/replace.js';
import { slurp } from './files/slurp.js';
import { stat } from './files/stat.js';
import { template } from './files/template.js';
import { unarchive } from './files/unarchive.js';
import { waitFor } from './files/wait_for.js';
import { apt, packageModule } from './system/apt.js';
import { authorizedKey } from './system/authorized_key.js';
import { hostname } from './system/hostname.js';
import { modprobe } from './system/modprobe.js';
import { mount } from './system/mount.js';
import { sysctl } from './system/sysctl.js';
import { service, systemd } from './system/systemd.js';
import { group, user } from './system/user.js';
import type { ModuleDef } from './types.js';

const planners: ModuleDef[] = [
  command, shell, rawModule, script,
  copy, template, file, lineinfile, blockinfile, replace, stat, slurp, getUrl, unarchive, git, waitFor,
  apt, packageModule, systemd, service, sysctl, modprobe, user, group, authorizedKey, hostname, mount,
];

/**
 * Planners see normalized arguments whoever calls them: normalizing is idempotent, so
 * arguments already normalized by the executor pass through unchanged.
 */
function withNormalizedArgs(def: ModuleDef): ModuleDef {
  const norm = (args: Record<string, unknown>) => normalizeArgs(def.name, args);
  return {
    ...def,
    probe: def.probe ? (args, ctx) => def.probe!(norm(args), ctx) : undefined,
    plan: (args, probe, ctx) => def.plan(norm(args), probe, ctx),
  };
}

const registry = new Map(planners.map((d) => [d.name, withNormalizedArgs(d)]));

const canonical = (name: string) => name.replace(/^ansible\.(?:builtin|legacy)\./, '');

/** The planner for a module ('copy' or 'ansible.builtin.copy'); undefined for unknown and executor-run modules. */
export function getModule(name: string): ModuleDef | undefined {
  return registry.get(canonical(name));
}

/** Every module rack knows (those with a schema): planners and the ones the executor runs itself. */
export function moduleNames(): string[] {
  return modules().names();
}

/** Modules implemented as planners here. */
export function plannerNames(): string[] {
  return [...registry.keys()].sort();
}
