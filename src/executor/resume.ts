import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, file);
}
