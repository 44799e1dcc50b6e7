import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../source/atomic.js';

/** What `rack run --resume` needs: which hosts stopped where, and their pending handlers. */
export interface ResumeState {
  playbook: string;
  /** failedAt is a task id: '<play index>/<section>/<position>...'. */
  hosts: Record<string, { failedAt: string; notified: string[] }>;
}

export async function readResume(file: string): Promise<ResumeState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ResumeState;
  } catch {
    return undefined;
  }
}

export async function writeResume(file: string, state: ResumeState | undefined): Promise<void> {
  if (!state || Object.keys(state.hosts).length === 0) {
    await rm(file, { force: true });
    return;
  }
  writeFileAtomic(file, JSON.stringify(state, null, 2), 0o600, { mkdir: true });
}
