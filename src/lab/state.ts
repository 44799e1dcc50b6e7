import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import type { NodeSpec } from './layout.js';
import type { LabPaths } from './paths.js';
import { alive, sleep } from './run.js';

/** One node as labUp made it: enough for labDown to undo every part by name and PID. */
export interface NodeRecord {
  spec: NodeSpec;
  supervisorPid: number;
  loop?: string; // host loop device shown to the node as /dev/vdb
  rootfs: string; // stamp of the base it was made on; another base means a new node
}

export interface LabState {
  nodes: Record<string, NodeRecord>;
  bridges: string[];
  forwardingWas?: string; // ip_forward before labUp turned it on for a second site
}

export function readState(p: LabPaths): LabState {
  try {
    const s = JSON.parse(readFileSync(p.state, 'utf8')) as LabState;
    return { nodes: s.nodes ?? {}, bridges: s.bridges ?? [], forwardingWas: s.forwardingWas };
  } catch {
    return { nodes: {}, bridges: [] };
  }
}

export function writeState(p: LabPaths, s: LabState): void {
  mkdirSync(p.root, { recursive: true });
  const tmp = `${p.state}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  renameSync(tmp, p.state);
}

/**
 * One labUp/labDown at a time across processes (several test files may share the lab):
 * a lock directory holding the owner's PID; a dead owner's lock is taken over.
 */
export async function withLabLock<T>(p: LabPaths, fn: () => Promise<T>, timeoutMs = 1_800_000): Promise<T> {
  const dir = join(p.root, '.lock');
  const owner = join(dir, 'pid');
  mkdirSync(p.root, { recursive: true });
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(owner, String(process.pid));
      break;
    } catch {
      let pid = 0;
      try {
        pid = Number(readFileSync(owner, 'utf8'));
      } catch {
        // owner still writing its PID, or gone: look again shortly
      }
      if (pid === process.pid) fail('E_LAB_LOCK', 'lab: nested lab operation in one process');
      if (pid && !alive(pid)) rmSync(dir, { recursive: true, force: true });
      else if (!pid && existsSync(dir) && Date.now() > end - timeoutMs + 5000) rmSync(dir, { recursive: true, force: true });
      if (Date.now() > end) fail('E_LAB_LOCK', `lab: another process (PID ${pid}) holds ${dir}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
