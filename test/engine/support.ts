import { runCli } from '../helpers/cli.js';
// Shared pieces of the engine tests: a (fresh) lab, runs that collect events, CLI runs,
// and a fingerprint of every node's writable layer.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run, type RunRequest } from '../../src/api.js';
import type { RunEvent } from '../../src/executor/events.js';
import { labDown, labPaths } from '../../src/lab/index.js';
import { nodePaths } from '../../src/lab/paths.js';
import { alive, sleep } from '../../src/lab/run.js';
import { nodeExec, useLab, type LabHandle } from '../helpers/lab.js';

export type TaskEvent = Extract<RunEvent, { event: 'task' }>;
export type RecapEvent = Extract<RunEvent, { event: 'recap' }>;

export interface Collected {
  exitCode: number;
  events: RunEvent[];
  tasks: TaskEvent[];
  recap: RecapEvent;
}

export async function runCollect(req: Omit<RunRequest, 'emit'>): Promise<Collected> {
  const events: RunEvent[] = [];
  const summary = await run({ ...req, emit: (e) => events.push(e) });
  const tasks = events.filter((e): e is TaskEvent => e.event === 'task');
  const recap = events.find((e): e is RecapEvent => e.event === 'recap')!;
  return { exitCode: summary.exitCode, events, tasks, recap };
}

export const statusOf = (tasks: TaskEvent[], host: string, name: string) => tasks.filter((t) => t.host === host && t.task === name).map((t) => t.status);

/** `rack ...` on the lab: the test's environment plus `env`. */
export const cli = (argv: string[], env: NodeJS.ProcessEnv = {}) => runCli(argv, { ...process.env, ...env });

/** Run sh text in a node; throw unless it exits 0. */
export async function nodeOut(name: string, cmd: string): Promise<string> {
  const r = await nodeExec(name, cmd);
  if (r.rc !== 0) throw new Error(`${name}: '${cmd}' exited ${r.rc}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Poll until `fn` returns a value (readiness, never a fixed sleep). */
export async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined> | T | undefined, every = 250): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/**
 * A lab whose nodes have never been touched: waits (a while) until no other test process
 * holds the lab (leases of live processes), takes it down, and brings it up again.
 */
export async function freshLab(nodes = 3): Promise<LabHandle> {
  const leases = join(labPaths().root, 'leases');
  const others = () =>
    existsSync(leases) ? readdirSync(leases).filter((f) => Number(f.split('-')[0]) !== process.pid && alive(Number(f.split('-')[0]))) : [];
  // A holder that outlives this wait is taken to be stuck (CI runs one test file at a time).
  await until('other tests to release the lab', 300_000, () => (others().length === 0 ? true : undefined), 2000).catch(() =>
    console.warn(`engine tests: taking the lab down although these leases are still held: ${others().join(', ')}`),
  );
  await labDown();
  return useLab({ nodes });
}

/** Paths in a node's writable layer that the node changes by itself (logs, timers, seeds). */
const NOISE = /^(var\/log|var\/lib\/systemd|var\/tmp|tmp|var\/cache\/ldconfig|run|root\/\.bash_history|var\/lib\/sudo)(\/|$)/;

/**
 * Every entry of the node's overlay upper directory: type, mode, owner and, for files, a
 * SHA-256 of the content. Equal fingerprints mean nothing was written to the node.
 */
export function upperFingerprint(node: string): Map<string, string> {
  const root = nodePaths(labPaths(), node).upper;
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = relative(root, full);
      if (NOISE.test(rel)) continue;
      const st = lstatSync(full);
      let what = `${st.mode.toString(8)} ${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) what += ` -> ${readlinkSync(full)}`;
      else if (st.isFile()) what += ` ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
      out.set(rel, what);
      if (st.isDirectory()) walk(full);
    }
  };
  walk(root);
  return out;
}

/** Entries added, removed or changed between two fingerprints. */
export function fingerprintDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${b.has(k) ? 'changed' : 'removed'}: ${k}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`added: ${k}`);
  return out;
}

export const bootId = (node: string) => nodeOut(node, 'cat /proc/sys/kernel/random/boot_id');
