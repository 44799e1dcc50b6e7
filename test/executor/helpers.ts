import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { run, type RunRequest } from '../../src/api.js';
import type { RunEvent } from '../../src/executor/events.js';

/** A throwaway project: files by relative path, removed by cleanup(). */
export function project(files: Record<string, string>): { dir: string; path: (p: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rack-exec-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return { dir, path: (p) => join(dir, p), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Hosts that run on this machine through `connection: local`. */
export const localInventory = (names: string[], extra = ''): string =>
  `[rack]\n${names.map((n) => `${n} ansible_connection=local`).join('\n')}\n${extra}`;

export type TaskEvent = Extract<RunEvent, { event: 'task' }>;

export async function runCollect(req: Omit<RunRequest, 'emit'>): Promise<{ exitCode: number; events: RunEvent[]; tasks: TaskEvent[]; recap: Extract<RunEvent, { event: 'recap' }> }> {
  const events: RunEvent[] = [];
  const summary = await run({ ...req, emit: (e) => events.push(e) });
  const tasks = events.filter((e): e is TaskEvent => e.event === 'task');
  const recap = events.find((e) => e.event === 'recap') as Extract<RunEvent, { event: 'recap' }>;
  return { exitCode: summary.exitCode, events, tasks, recap };
}

export const statusOf = (tasks: TaskEvent[], host: string, name: string): string | undefined =>
  tasks.find((t) => t.host === host && t.task === name)?.status;

/** Projects made in a test file, removed after each test. */
export function projectsPerTest(): (files: Record<string, string>) => ReturnType<typeof project> {
  let cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups) c();
    cleanups = [];
  });
  return (files) => {
    const p = project(files);
    cleanups.push(p.cleanup);
    return p;
  };
}

/** Run a project's play.yml against its hosts.ini, keeping resume state inside the project. */
export const runProject = (p: ReturnType<typeof project>, more: Partial<Omit<RunRequest, 'emit'>> = {}) =>
  runCollect({ playbook: p.path('play.yml'), inventories: [p.path('hosts.ini')], stateFile: p.path('.rack/resume.json'), ...more });
