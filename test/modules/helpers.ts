import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../../src/commands/types.js';
import type { Connection, ExecOptions, ExecResult } from '../../src/connection/types.js';
import { applyCommands, type ApplyResult } from '../../src/executor/apply.js';
import { getModule } from '../../src/modules/index.js';
import type { ModuleContext, ProbeOutput } from '../../src/modules/types.js';

/** A Connection to this machine: `sh -c` per exec, exact exit codes, binary-safe stdin. */
export class LocalConnection implements Connection {
  readonly name = 'local-test';
  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', script], { env: { ...process.env, ...(opts.env ?? {}) }, signal: opts.signal });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code, sig) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), rc: code ?? (sig ? 128 : 1) }));
      child.stdin.on('error', () => {}); // a command may exit without reading its stdin
      child.stdin.end(opts.stdin ?? '');
    });
  }
  async get(path: string): Promise<Buffer> {
    return readFileSync(path);
  }
  async close(): Promise<void> {}
}

export const isRoot = process.getuid?.() === 0;

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rack-mod-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function ctx(more: Partial<ModuleContext> = {}): ModuleContext {
  return {
    host: 'test',
    facts: { os_family: 'Debian', pkg_mgr: 'apt', service_mgr: 'systemd' },
    check: false,
    diff: true,
    imagesDir: '/nonexistent-images',
    readLocal: async (p) => readFileSync(p),
    renderTemplate: async (p) => readFileSync(p, 'utf8'),
    ...more,
  };
}

/** Probe and plan once, against this machine. */
export async function planOn(conn: Connection, name: string, args: Record<string, unknown>, c = ctx()): Promise<{ plan: Plan; probe: ProbeOutput | null }> {
  const mod = getModule(name);
  if (!mod) throw new Error(`no planner ${name}`);
  const text = mod.probe?.(args, c) ?? null;
  let probe: ProbeOutput | null = null;
  if (text) {
    const r = await conn.exec(text.text);
    probe = { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), rc: r.rc };
  }
  return { plan: await mod.plan(args, probe, c), probe };
}

export interface Converged {
  first: Plan;
  applied: ApplyResult;
  second: Plan;
}

/** probe -> plan -> apply -> probe -> plan: what a run and its re-run do. */
export async function converge(conn: Connection, name: string, args: Record<string, unknown>, c = ctx()): Promise<Converged> {
  const { plan: first } = await planOn(conn, name, args, c);
  if (first.failed) throw new Error(`plan failed: ${first.failed}`);
  const applied = await applyCommands(conn, first.commands);
  if (!applied.ok) throw new Error(`apply failed: ${applied.failedCommand}: ${applied.stderr}`);
  const { plan: second } = await planOn(conn, name, args, c);
  return { first, applied, second };
}

export const changed = (p: Plan): boolean => p.changed ?? p.commands.length > 0;
