import { sh } from '../../commands/quote.js';

/** systemctl with its words (empty option lists leave no gaps in logs). */
const ctl = (...words: Array<string | string[]>) => exec(sh`systemctl ${words.flat()}`);
import { exec, type Command, type Plan } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleContext, ModuleDef, ProbeOutput } from '../types.js';
import { parseFields } from '../util/probe.js';

const PROPS = 'Id,LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload';
// is-enabled answers 0 for these: the unit starts at boot (or cannot be enabled at all).
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'transient']);
const RUNNING = new Set(['active', 'activating', 'reloading']);

function scopeFlag(args: Record<string, unknown>): string[] {
  const s = str(args.scope);
  return s === 'user' ? ['--user'] : s === 'global' ? ['--global'] : [];
}

export const systemd: ModuleDef = {
  name: 'systemd',
  probe(args) {
    const name = str(args.name);
    if (!name) return null;
    return sh`systemctl ${scopeFlag(args)} show -p ${PROPS} -- ${name}; printf 'enabled_state=%s\\n' "$(systemctl ${scopeFlag(args)} is-enabled -- ${name} 2>/dev/null)"; true`;
  },
  plan(args, probe) {
    return planSystemd(args, probe);
  },
};

export function planSystemd(args: Record<string, unknown>, probe: ProbeOutput | null): Plan {
  const name = str(args.name);
  const sc = scopeFlag(args);
  const pre: Command[] = [];
  if (bool(args.daemon_reexec)) pre.push(ctl(sc, 'daemon-reexec'));
  if (bool(args.daemon_reload)) pre.push(ctl(sc, 'daemon-reload'));
  if (!name) {
    if (args.state !== undefined || args.enabled !== undefined || args.masked !== undefined) return { commands: [], failed: 'name is required with state, enabled or masked' };
    return { commands: pre, changed: false, result: {} };
  }
  const f = parseFields(probe?.stdout ?? '');
  const load = f.get('LoadState') ?? '';
  const active = f.get('ActiveState') ?? 'inactive';
  const fileState = f.get('enabled_state') || f.get('UnitFileState') || '';
  const masked = load === 'masked' || fileState.startsWith('masked');
  const status = Object.fromEntries([...f].filter(([k]) => /^[A-Z]/.test(k)));
  const result: Record<string, unknown> = { name, status };
  const noBlock = bool(args.no_block) ? ['--no-block'] : [];
  const changes: Command[] = [];
  if (args.masked === true && !masked) changes.push(ctl(sc, 'mask', '--', name));
  if (args.masked === false && masked) changes.push(ctl(sc, 'unmask', '--', name));
  const willBeMasked = args.masked === true || (masked && args.masked !== false);
  // A unit file added in this same step only shows after daemon-reload: trust the reload then.
  if (load === 'not-found' && !bool(args.daemon_reload) && (args.state !== undefined || args.enabled !== undefined))
    return { commands: [], result, failed: `Could not find the requested service ${name}: host` };
  if (args.enabled !== undefined && !willBeMasked) {
    const on = ENABLED.has(fileState);
    const force = bool(args.force) ? ['--force'] : [];
    if (args.enabled === true && !on) changes.push(ctl(sc, 'enable', force, '--', name));
    if (args.enabled === false && on && fileState !== 'static') changes.push(ctl(sc, 'disable', '--', name));
    result.enabled = args.enabled;
  }
  const state = str(args.state);
  const running = RUNNING.has(active);
  if (state === 'started' && !running) changes.push(ctl(sc, noBlock, 'start', '--', name));
  if (state === 'stopped' && (running || active === 'deactivating')) changes.push(ctl(sc, noBlock, 'stop', '--', name));
  if (state === 'restarted') changes.push(ctl(sc, noBlock, 'restart', '--', name));
  if (state === 'reloaded') changes.push(ctl(sc, noBlock, running ? 'reload' : 'start', '--', name));
  if (state) result.state = state;
  return { commands: [...pre, ...changes], changed: changes.length > 0, result };
}

export const service: ModuleDef = {
  name: 'service',
  probe(args, ctx) {
    return systemd.probe!({ name: args.name }, ctx);
  },
  plan(args, probe, ctx: ModuleContext) {
    const use = str(args.use) ?? 'auto';
    const mgr = use !== 'auto' ? use : (ctx.facts.service_mgr ?? 'systemd');
    if (mgr !== 'systemd') return { commands: [], failed: `service: only systemd is supported (host service manager: ${mgr})` };
    return planSystemd({ name: args.name, state: args.state, enabled: args.enabled }, probe);
  },
};
