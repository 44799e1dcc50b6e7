import type { Connection } from '../connection/types.js';
import type { Secret } from '../commands/secret.js';
import type { Inventory } from '../inventory/index.js';
import type { TaskLoader } from '../playbook/types.js';
import type { Emit } from './events.js';
import type { HostState } from './state.js';
import type { ResumeState } from './resume.js';
import type { TaskRun } from './task.js';
import type { TaskResult } from './result.js';

export interface RunOptions {
  check: boolean;
  diff: boolean;
  extraVars: Record<string, unknown>;
  limit?: string;
  tags: string[];
  skipTags: string[];
  forks: number;
  startAtTask?: string;
  step: boolean;
  forceHandlers: boolean;
  trustNewHosts: boolean;
  /** -K: sudo password for hosts whose inventory gives none. */
  becomePassword?: Secret;
  imagesDir: string;
  verbosity: number;
  resume?: ResumeState;
  /** Where --resume state is kept (none: not kept). */
  stateFile?: string;
  signal: AbortSignal;
  emit: Emit;
  /** --step: asks before each task. */
  askStep?: (host: string, task: string) => Promise<'yes' | 'no' | 'continue' | 'quit'>;
}

/** What every part of a running playbook shares. */
export interface RunContext {
  opts: RunOptions;
  inventory: Inventory;
  hosts: Map<string, HostState>;
  groups: Record<string, string[]>;
  playHosts: string[];
  playBatch: string[];
  loader: TaskLoader;
  connect(host: string): Promise<Connection>;
  /** Drop a host's connection (it rebooted or went away); the next connect opens a new one. */
  disconnect(host: string): Promise<void>;
  /** The netboot module, when the netboot service is part of this rack. */
  netboot?: (t: TaskRun, args: Record<string, unknown>) => Promise<TaskResult>;
  hostvarsView(): Record<string, unknown>;
  /** run_once tasks: the first host runs, the others share the result. */
  runOnce: Map<object, Promise<unknown>>;
  /** --step answered 'continue': stop asking. */
  stepping: boolean;
  /** --step: one answer per task, questions asked one at a time. */
  stepAnswers: Map<string, Promise<'yes' | 'no' | 'continue' | 'quit'>>;
  stepQueue: Promise<unknown>;
  /** --step answered 'quit': the run stops. */
  quit: boolean;
}
