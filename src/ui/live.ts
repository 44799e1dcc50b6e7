import { Listr, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import type { RunEvent } from '../executor/events.js';
import { emptyCounts } from '../executor/events.js';
import { diffText, failureDetails, type Renderer, type RendererOptions } from './plain.js';
import { recapTable } from './recap.js';

type Wrapper = ListrTaskWrapper<unknown, never, never>;

/** One host's live line: made when the play starts, whether or not listr has started drawing it. */
class HostLine {
  wrapper?: Wrapper;
  title: string;
  counts = emptyCounts();
  failed?: string;
  readonly done: Promise<void>;
  finish!: () => void;
  constructor(readonly host: string) {
    this.title = host;
    this.done = new Promise<void>((resolve) => (this.finish = resolve));
  }
  show(title: string): void {
    this.title = title;
    if (this.wrapper) this.wrapper.title = title;
  }
}

/** On a terminal: a live line per host with its current task, counts and elapsed time. */
export function liveRenderer(o: RendererOptions): Renderer {
  const p = o.palette;
  const out = o.out as NodeJS.WriteStream;
  let lines = new Map<string, HostLine>();
  let current: Promise<unknown> | undefined;
  const after: string[] = [];
  let pendingRecap: string | undefined;
  const started = Date.now();

  const closePlay = async () => {
    for (const l of lines.values()) l.finish();
    if (current) await current.catch(() => undefined);
    current = undefined;
    lines = new Map();
  };
  const summary = (c: HostLine['counts']) =>
    p.dim(`ok=${c.ok} changed=${c.changed}${c.failed ? ` failed=${c.failed}` : ''}${c.unreachable ? ` unreachable=${c.unreachable}` : ''} ${((Date.now() - started) / 1000).toFixed(1)}s`);

  const startPlay = (name: string, hosts: string[]) => {
    const mine = new Map(hosts.map((h) => [h, new HostLine(h)]));
    lines = mine;
    const list = new Listr(
      [...mine.values()].map((line) => ({
        title: line.title,
        task: async (_ctx: unknown, wrapper: Wrapper) => {
          line.wrapper = wrapper;
          wrapper.title = line.title;
          await line.done;
          if (line.failed) throw new Error(line.failed);
        },
      })),
      {
        concurrent: true,
        exitOnError: false,
        // rack owns Ctrl-C (it stops commands cleanly); the live view writes where logs go, never stdout.
        registerSignalListeners: false,
        rendererOptions: { collapseErrors: false, processOutput: new ProcessOutput(out, out) },
      } as never,
    );
    o.out.write(p.bold(`PLAY [${name}]`) + '\n');
    current = list.run();
  };

  let queue: Promise<void> = Promise.resolve();
  return {
    handle(e) {
      switch (e.event) {
        case 'play':
          // A new play's lines start once the previous play's list has finished drawing.
          queue = queue.then(closePlay).then(() => startPlay(e.name, e.hosts));
          break;
        case 'task_start':
          void queue.then(() => {
            const l = lines.get(e.host);
            l?.show(`${e.host}: ${e.task} ${summary(l.counts)}`);
          });
          break;
        case 'task':
          void queue.then(() => {
            const l = lines.get(e.host);
            if (!l) return;
            l.counts[e.status]++;
            l.show(`${e.host}: ${e.task} ${summary(l.counts)}`);
            if (e.status === 'failed' || e.status === 'unreachable') l.failed = `${e.host}: ${e.task}: ${e.status}`;
          });
          if (e.status === 'failed' || e.status === 'unreachable') after.push(p.red(`${e.host} | ${e.status.toUpperCase()} | ${e.task}`), ...failureDetails(e, p));
          if (o.diff && e.diff?.length) after.push(diffText(e, p));
          break;
        case 'warning':
          after.push(p.yellow(`[WARNING] ${e.message}`));
          break;
        case 'recap':
          pendingRecap = recapTable(e.hosts, e.ms, p);
          break;
      }
    },
    async end() {
      await queue;
      await closePlay();
      if (after.length) o.out.write(after.join('\n') + '\n');
      if (pendingRecap) o.out.write(pendingRecap);
    },
  };
}
