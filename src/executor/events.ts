import type { FileDiff } from '../commands/types.js';
import type { SourceRef } from '../errors.js';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable' | 'rescued' | 'ignored';

export interface HostCounts {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** Everything that happens in a run is an event; renderers only consume these. */
export type RunEvent =
  | { event: 'play'; name: string; hosts: string[]; ref?: SourceRef }
  | { event: 'task_start'; host: string; task: string; ref?: SourceRef; handler?: boolean }
  | {
      event: 'task';
      host: string;
      task: string;
      status: TaskStatus;
      ms: number;
      ref?: SourceRef;
      item?: string;
      msg?: string;
      rc?: number;
      stdout?: string;
      stderr?: string;
      diff?: FileDiff[];
      delegatedTo?: string;
      handler?: boolean;
    }
  | { event: 'warning'; message: string; host?: string; ref?: SourceRef }
  | { event: 'recap'; hosts: Record<string, HostCounts>; ms: number };

export type Emit = (e: RunEvent) => void;

export const emptyCounts = (): HostCounts => ({
  ok: 0,
  changed: 0,
  failed: 0,
  unreachable: 0,
  skipped: 0,
  rescued: 0,
  ignored: 0,
});
