import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { inventoryMain } from '../../src/cli/inventory.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/inventory');

/** The Python that runs Ansible (from its launcher's #! line): it can import Ansible's inventory API. */
export const ansiblePython = ((): string | undefined => {
  const head = spawnSync('sh', ['-c', 'head -n1 "$(command -v ansible)"'], { encoding: 'utf8' }).stdout ?? '';
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(head);
  if (!m) return undefined;
  return m[1].endsWith('/env') ? m[2] : m[1];
})();

export const hasAnsible =
  spawnSync('ansible-inventory', ['--version'], { stdio: 'ignore' }).status === 0 &&
  ansiblePython !== undefined &&
  spawnSync(ansiblePython, ['-c', 'import ansible.inventory.manager'], { stdio: 'ignore' }).status === 0;
export const noAnsibleReason = 'ansible-inventory (Debian package ansible) is not installed';

export interface Case {
  name: string;
  dir: string;
  sources: string[];
  playbookDir?: string;
  graph?: string[];
  host?: string[];
}

/** Fixture cases: each folder with a case.json naming its -i sources. */
export function cases(names: string[]): Case[] {
  return names.map((name) => {
    const dir = join(FIXTURES, name);
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Omit<Case, 'name' | 'dir'>;
    const sources = c.sources.map((s) => (existsSync(join(dir, s)) ? join(dir, s) : s));
    return { ...c, name, dir, sources, playbookDir: c.playbookDir && join(dir, c.playbookDir) };
  });
}

export function sourceArgs(c: Case): string[] {
  const args = c.sources.flatMap((s) => ['-i', s]);
  return c.playbookDir ? [...args, '--playbook-dir', c.playbookDir] : args;
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function rack(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await inventoryMain(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A scratch HOME and working folder, so no user or folder configuration leaks into Ansible. */
export function ansibleSandbox(): { env: NodeJS.ProcessEnv; cwd: string; cleanup: () => void } {
  const cwd = mkdtempSync(join(tmpdir(), 'rack-inv-ansible-'));
  const env = {
    ...process.env,
    HOME: cwd,
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_CONFIG: join(cwd, 'none.cfg'),
  };
  return { env, cwd, cleanup: () => rmSync(cwd, { recursive: true, force: true }) };
}

export function run(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; input?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, failed) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', failed);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Run async jobs with at most `limit` at once (Ansible starts slowly; a few in parallel keep the suite quick). */
export async function pool<T>(jobs: Array<() => Promise<T>>, limit = 4): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

export interface BatchResult {
  cli: Array<{ code: number; stdout: string; stderr: string }>;
  patterns: Record<string, string[] | { error: string }>;
}

/** Many ansible-inventory runs and host-pattern queries in one Ansible process (see ansible-batch.py). */
export async function ansibleBatch(
  req: { cli?: string[][]; patterns?: { sources: string[]; patterns: string[] } },
  sandbox: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<BatchResult> {
  const r = await run(ansiblePython!, [join(import.meta.dirname, 'ansible-batch.py')], { ...sandbox, input: JSON.stringify(req) });
  if (r.code !== 0) throw new Error(`ansible batch failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as BatchResult;
}
