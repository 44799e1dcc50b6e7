import type { Facts } from '../facts/types.js';
import { emptyCounts, type HostCounts } from './events.js';
import { Mutex } from './barrier.js';

/** One host's side of a run: its connection, facts, registered vars and counts. */
export class HostState {
  facts?: Facts;
  /** register / set_fact: beat everything but extra vars. */
  readonly hostVars: Record<string, unknown> = {};
  failed = false;
  unreachable = false;
  /** Handler names and listen topics notified and not yet run. */
  readonly notified = new Set<string>();
  readonly counts: HostCounts = emptyCounts();
  /** Planning and applying on this host is serialised for tasks delegated to it. */
  readonly lock = new Mutex();
  /** Where this host stopped (task id), for --resume. */
  failedAt?: string;
  /** --start-at-task or --resume: tasks are skipped until this one. */
  startAt?: { kind: 'id' | 'name'; value: string };
  /** meta: end_host. */
  ended = false;

  constructor(readonly name: string) {}

  get done(): boolean {
    return this.failed || this.unreachable || this.ended;
  }
}
