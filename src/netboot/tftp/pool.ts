// Transfer threads for the TFTP server (see worker.ts). One Node thread spends about twice what
// dnsmasq spends per datagram, almost all of it in the send path; several threads let a cabinet's
// worth of lock-step transfers use every core.
import { Worker } from 'node:worker_threads';
import type { RemoteInfo } from '../dhcp/socket.js';
import type { EventSink, NetbootEvent } from '../events.js';
import type { Terms } from './transfer.js';

export type ToWorker =
  | { kind: 'start'; id: number; peer: RemoteInfo; name: string; path: string; size: number; terms: Terms; giveUpMs: number }
  | { kind: 'repeat' | 'abort'; id: number }
  | { kind: 'packet'; id: number; msg: Uint8Array; from: RemoteInfo }
  | { kind: 'close' };

export type FromWorker = { kind: 'event'; event: NetbootEvent } | { kind: 'done'; id: number; refused?: string };

/** What the server holds for a transfer, whichever thread runs it. */
export interface RunningTransfer {
  readonly done: Promise<void>;
  requestRepeated(): void;
  receive(msg: Buffer, from: RemoteInfo): void;
  abort(): void;
}

interface Lane {
  worker: Worker;
  load: number;
}

export class TransferPool {
  private lanes: Lane[];
  private readonly waiting = new Map<number, { lane: Lane; finish: (refused?: string) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(threads: number, bindHost: string, private readonly onEvent: EventSink, cacheBytes = 32 * 1024 * 1024) {
    this.lanes = Array.from({ length: threads }, () => {
      const lane: Lane = { worker: spawnWorker({ bindHost, cacheBytes }), load: 0 };
      lane.worker.on('message', (m: FromWorker) => this.onMessage(m));
      lane.worker.on('error', (err) => this.onEvent({ type: 'error', message: `tftp transfer thread: ${err.message}` }));
      // A thread that died takes its transfers with it: the clients will retry their RRQ.
      lane.worker.on('exit', () => {
        this.lanes = this.lanes.filter((l) => l !== lane);
        this.finishLane(lane, 'transfer thread exited');
      });
      lane.worker.unref();
      return lane;
    });
  }

  /** Runs a transfer of the file at `job.path` on the least busy thread; undefined when no thread is left. */
  start(job: Omit<Extract<ToWorker, { kind: 'start' }>, 'kind' | 'id'>): RunningTransfer | undefined {
    if (this.lanes.length === 0) return undefined;
    const lane = this.lanes.reduce((a, b) => (b.load < a.load ? b : a));
    const id = this.nextId++;
    lane.load++;
    const post = (m: ToWorker) => lane.worker.postMessage(m);
    const done = new Promise<void>((resolve) => {
      this.waiting.set(id, {
        lane,
        finish: (refused) => {
          if (refused) this.onEvent({ type: 'transfer-failed', proto: 'tftp', file: job.name, peer: `${job.peer.address}:${job.peer.port}`, reason: refused });
          resolve();
        },
      });
    });
    post({ kind: 'start', id, ...job });
    return {
      done,
      requestRepeated: () => post({ kind: 'repeat', id }),
      receive: (msg, from) => post({ kind: 'packet', id, msg, from }),
      abort: () => post({ kind: 'abort', id }),
    };
  }

  close(): void {
    this.closed = true;
    for (const lane of this.lanes) lane.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    for (const w of this.waiting.values()) w.finish();
    this.waiting.clear();
  }

  private finishLane(lane: Lane, why: string): void {
    for (const [id, w] of this.waiting) {
      if (w.lane !== lane) continue;
      this.waiting.delete(id);
      w.finish(this.closed ? undefined : why);
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === 'event') return this.onEvent(m.event);
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    w.lane.load--;
    w.finish(m.refused);
  }
}

/** Under tsx (tests, a source checkout) the thread must load TypeScript too; built code loads worker.js. */
function spawnWorker(workerData: { bindHost: string; cacheBytes: number }): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData });
  const entry = new URL('./worker.ts', self).href;
  // Resolved here: an eval'd worker would resolve bare names from the working directory.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
