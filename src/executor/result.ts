import type { FileDiff } from '../commands/types.js';
import type { TaskStatus } from './events.js';

/** What `register` stores, in Ansible's shape. */
export interface TaskResult {
  changed: boolean;
  failed: boolean;
  skipped?: boolean;
  unreachable?: boolean;
  msg?: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  stdout_lines?: string[];
  stderr_lines?: string[];
  results?: TaskResult[];
  diff?: FileDiff[];
  [key: string]: unknown;
}

export function statusOf(r: TaskResult, ignored = false): TaskStatus {
  if (r.unreachable) return 'unreachable';
  if (r.failed) return ignored ? 'ignored' : 'failed';
  if (r.skipped) return 'skipped';
  return r.changed ? 'changed' : 'ok';
}

export function withOutput(r: TaskResult, stdout: string, stderr: string, rc: number): TaskResult {
  r.stdout = stdout.replace(/\n$/, '');
  r.stderr = stderr.replace(/\n$/, '');
  r.rc = rc;
  r.stdout_lines = r.stdout === '' ? [] : r.stdout.split('\n');
  r.stderr_lines = r.stderr === '' ? [] : r.stderr.split('\n');
  return r;
}

/** A loop's registered value: every item's result, changed/failed if any item was. */
export function loopResult(items: TaskResult[]): TaskResult {
  const ran = items.filter((i) => !i.skipped);
  return {
    changed: items.some((i) => i.changed),
    failed: items.some((i) => i.failed),
    skipped: items.length > 0 && ran.length === 0 ? true : undefined,
    msg: items.find((i) => i.failed)?.msg ?? (items.length === 0 ? 'no items' : undefined),
    results: items,
    diff: items.flatMap((i) => i.diff ?? []),
  };
}

export const HIDDEN = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

export function hideOutput(r: TaskResult): TaskResult {
  return { changed: r.changed, failed: r.failed, skipped: r.skipped, censored: HIDDEN, msg: r.failed ? HIDDEN : undefined };
}
