import { spawn } from 'node:child_process';
import { fail } from '../errors.js';

export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Run a program (no shell) and collect its output; never throws on a non-zero exit. */
export function runTool(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => resolve({ rc: 127, stdout, stderr: stderr + String(e.message) }));
    child.on('close', (code, signal) => resolve({ rc: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => {}); // a program that never reads its input closes the pipe early
    child.stdin.end(opts.input ?? '');
  });
}

/** Run a program that must succeed: a failure becomes a RackError naming the command and its stderr. */
export async function mustRun(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await runTool(cmd, args, opts);
  if (r.rc !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n');
    fail('E_LAB_COMMAND', `lab: '${[cmd, ...args].join(' ')}' exited ${r.rc}: ${tail}`);
  }
  return r.stdout;
}

/** True when a process with this PID exists (signal 0 probes without touching it). */
export function alive(pid: number | undefined): boolean {
  if (!pid || pid <= 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns a value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) fail('E_LAB_TIMEOUT', `lab: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
