// Running rack's roles on the virtual rack: a playbook per test, run through the engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../../src/api.js';
import type { RunEvent } from '../../../src/executor/events.js';

export const REPO = resolve(import.meta.dirname, '../../..');

export type TaskEvent = Extract<RunEvent, { event: 'task' }>;

export interface Outcome {
  exitCode: number;
  tasks: TaskEvent[];
  changed: TaskEvent[];
  failed: TaskEvent[];
}

/** A throwaway playbook in playbooks/ (so roles/ and group_vars/ resolve as for site.yml). */
export function playbookFile(text: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rack-sys-'));
  const path = join(REPO, 'playbooks', `.test-${process.pid}-${Math.random().toString(36).slice(2, 8)}.yml`);
  writeFileSync(path, text);
  return { path, remove: () => (rmSync(path, { force: true }), rmSync(dir, { recursive: true, force: true })) };
}

export async function runPlay(playbook: string, inventory: string, opts: { check?: boolean; extraVars?: Record<string, unknown> } = {}): Promise<Outcome> {
  const events: RunEvent[] = [];
  const summary = await run({
    playbook,
    inventories: [inventory],
    check: opts.check,
    extraVars: opts.extraVars,
    stateFile: join(tmpdir(), `rack-sys-resume-${process.pid}.json`),
    emit: (e) => events.push(e),
  });
  const tasks = events.filter((e): e is TaskEvent => e.event === 'task');
  return { exitCode: summary.exitCode, tasks, changed: tasks.filter((t) => t.status === 'changed'), failed: tasks.filter((t) => t.status === 'failed') };
}

/** What changed, readably, for assertion messages. */
export const describeTasks = (ts: TaskEvent[]): string => ts.map((t) => `${t.host}: ${t.task}${t.item ? ` [${t.item}]` : ''}${t.msg ? ` — ${t.msg}` : ''}`).join('\n');
