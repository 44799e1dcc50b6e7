import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from '../connection/index.js';
import type { Connection } from '../connection/types.js';
import type { Inventory } from '../inventory/index.js';
import { connectionSettings } from '../inventory/connection.js';
import type { Playbook, TaskLoader } from '../playbook/types.js';
import { lazyScope, renderValue } from '../template/index.js';
import type { RunContext, RunOptions } from './context.js';
import type { HostCounts } from './events.js';
import { RackError } from '../errors.js';
import { runPlay } from './play.js';
import { writeResume, type ResumeState } from './resume.js';
import { hostvarsView } from './scope.js';
import { HostState } from './state.js';

export interface RunSummary {
  exitCode: number;
  hosts: Record<string, HostCounts>;
  ms: number;
}

/** Exit codes (README): 0 ok, 2 a host failed, 4 a host unreachable (2 wins), 130 interrupted. */
export function exitCodeOf(hosts: Iterable<HostState>, aborted: boolean): number {
  if (aborted) return 130;
  let code = 0;
  for (const h of hosts) {
    if (h.failed) return 2;
    if (h.unreachable) code = 4;
  }
  return code;
}

const CONNECTION_VAR = /^(ansible_|ssh_|connection$|become)/;

export async function runPlaybook(playbook: Playbook, inventory: Inventory, opts: RunOptions, loader: TaskLoader, extend?: (run: RunContext) => void): Promise<RunSummary> {
  const started = Date.now();
  const hosts = new Map<string, HostState>();
  const conns = new Map<string, Promise<Connection>>();
  const stateOf = (name: string): HostState => {
    let s = hosts.get(name);
    if (!s) hosts.set(name, (s = new HostState(name)));
    return s;
  };
  const run: RunContext = {
    opts,
    inventory,
    hosts,
    groups: inventory.groupsMap(),
    playHosts: [],
    playBatch: [],
    loader,
    runOnce: new Map(),
    stepping: true,
    stepAnswers: new Map(),
    stepQueue: Promise.resolve(),
    quit: false,
    hostvarsView: () => hostvarsView(run),
    connect(host) {
      let c = conns.get(host);
      if (!c) {
        c = openConnection(run, host);
        conns.set(host, c);
        c.catch(() => conns.delete(host));
      }
      return c;
    },
    async disconnect(host) {
      const c = conns.get(host);
      conns.delete(host);
      if (c) await c.then((x) => x.close()).catch(() => undefined);
    },
  };
  extend?.(run);
  const resume = opts.resume;
  const resumePlay = resume ? Math.min(...Object.values(resume.hosts).map((h) => Number(h.failedAt.split('/')[0]))) : 0;
  try {
    for (let i = 0; i < playbook.plays.length; i++) {
      if (opts.signal.aborted || run.quit) break;
      if (resume && i < resumePlay) continue;
      const play = playbook.plays[i];
      for (const s of hosts.values()) s.ended = false; // meta: end_host lasts one play
      let selected: string[] = [];
      try {
        selected = selectPlayHosts(inventory, play, opts).filter((h) => !stateOf(h).done);
        // Resumed hosts carry on from the play they failed in; the others already finished.
        if (resume) selected = selected.filter((h) => resume.hosts[h] && Number(resume.hosts[h].failedAt.split('/')[0]) <= i);
        if (resume) for (const h of selected) resumeHost(stateOf(h), resume.hosts[h], i);
        if (opts.startAtTask && i === 0)
          for (const h of inventory.hostNames()) stateOf(h).startAt = { kind: 'name', value: opts.startAtTask };
        opts.emit({ event: 'play', name: play.name, hosts: selected, ref: play.ref });
        if (selected.length === 0) {
          opts.emit({ event: 'warning', message: `no hosts matched '${play.hosts}' in play '${play.name}'`, ref: play.ref });
          continue;
        }
        for (const h of selected) stateOf(h);
        const outcome = await runPlay(run, play, i, selected);
        if (outcome === 'fatal') break;
      } catch (e) {
        // The play could not start (its hosts or vars_files did not render): its hosts fail.
        const msg = e instanceof RackError ? e.diagnostics.map((d) => d.message).join('; ') : (e as Error).message;
        opts.emit({ event: 'warning', message: `play '${play.name}' could not run: ${msg}`, ref: play.ref });
        for (const h of selected) {
          const s = stateOf(h);
          s.failed = true;
          s.counts.failed++;
          s.failedAt = `${i}/play`;
        }
        if (selected.length === 0) throw e;
      } finally {
        if (opts.stateFile) await writeResume(opts.stateFile, resumeState(playbook.file, hosts));
      }
      if (hosts.size > 0 && [...hosts.values()].every((h) => h.failed || h.unreachable)) break;
    }
  } finally {
    await Promise.all([...conns.keys()].map((h) => run.disconnect(h)));
  }
  const counts: Record<string, HostCounts> = {};
  for (const [name, s] of hosts) counts[name] = s.counts;
  const ms = Date.now() - started;
  opts.emit({ event: 'recap', hosts: counts, ms });
  return { exitCode: exitCodeOf(hosts.values(), opts.signal.aborted), hosts: counts, ms };
}

/** The hosts a play runs on: its pattern (extra vars rendered) within --limit. */
export function selectPlayHosts(inventory: Inventory, play: Playbook['plays'][number], opts: Pick<RunOptions, 'extraVars' | 'limit'>): string[] {
  const pattern = String(renderValue(play.hosts, lazyScope([opts.extraVars]), play.ref));
  const selected = inventory.selectHosts(pattern, play.ref);
  if (!opts.limit) return selected;
  const allowed = new Set(inventory.selectHosts(opts.limit));
  return selected.filter((h) => allowed.has(h));
}

/** A host resumed in play `play`: it skips to the task that failed (facts are gathered anew). */
function resumeHost(state: HostState, saved: ResumeState['hosts'][string] | undefined, play: number): void {
  if (!saved || Number(saved.failedAt.split('/')[0]) !== play) return;
  if (!/\/(facts|play)$/.test(saved.failedAt)) state.startAt = { kind: 'id', value: saved.failedAt };
  for (const n of saved.notified) state.notified.add(n);
}

function resumeState(playbook: string, hosts: Map<string, HostState>): ResumeState | undefined {
  const failed = [...hosts.values()].filter((h) => (h.failed || h.unreachable) && h.failedAt);
  if (failed.length === 0) return undefined;
  const out: ResumeState = { playbook: resolve(playbook), hosts: {} };
  for (const h of failed) out.hosts[h.name] = { failedAt: h.failedAt!, notified: [...h.notified] };
  return out;
}

async function openConnection(run: RunContext, host: string): Promise<Connection> {
  const vars = run.inventory.hostNames().includes(host) ? run.inventory.hostVars(host) : {};
  const scope = lazyScope([vars, run.opts.extraVars, { inventory_hostname: host }]);
  const rendered: Record<string, unknown> = {};
  for (const k of Object.keys({ ...vars, ...run.opts.extraVars })) if (CONNECTION_VAR.test(k)) rendered[k] = scope.get(k);
  const s = connectionSettings(rendered);
  const isLocal = s.connection === 'local' || (host === 'localhost' && !s.address);
  return connect({
    name: host,
    connection: isLocal ? 'local' : 'ssh',
    address: s.address ?? host,
    port: s.port ?? 22,
    user: s.user,
    keyFile: s.keyFile ? resolve(s.keyFile) : undefined,
    password: s.password,
    becomePassword: s.becomePassword ?? run.opts.becomePassword,
    knownHostsFiles: [join(homedir(), '.ssh', 'known_hosts')],
    trustNewHosts: run.opts.trustNewHosts,
    connectTimeoutMs: 15_000,
    sshArgs: s.sshArgs,
  });
}

