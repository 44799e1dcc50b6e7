import { readdirSync, readFileSync } from 'node:fs';
import { alive } from './run.js';

export function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie: a zombie has exited, it only waits to be reaped. */
export function running(pid: number | undefined): pid is number {
  return alive(pid) && stat(pid!)?.state !== 'Z';
}

/** The PID is ours only if its command line still names `marker` (PIDs get reused). */
export function ownedBy(pid: number | undefined, marker: string): pid is number {
  if (!running(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** Children of `pid`, by scanning /proc (works without CONFIG_PROC_CHILDREN). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = stat(Number(e));
    if (s?.ppid === pid && s.state !== 'Z') out.push(Number(e));
  }
  return out;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
