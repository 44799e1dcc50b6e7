import { Listr, type ListrTaskWrapper } from 'listr2';
import type { RunEvent } from '../executor/events.js';
import { emptyCounts } from '../executor/events.js';
import { diffText, failureDetails, type Renderer, type RendererOptions } from './plain.js';
import { recapTable } from './recap.js';

interface HostLine {
  wrapper?: ListrTaskWrapper<unknown, never, never>;
  finish: (failed?: string) => void;
  counts: ReturnType<typeof emptyCounts>;
  failed?: string;
}

/** On a terminal: a live line per host with its current task, counts and elapsed time. */
export function liveRenderer(o: RendererOptions): Renderer {
  const p = o.palette;
  let lines = new Map<string, HostLine>();
  let current: Promise<unknown> | undefined;
  const after: string[] = [];
  let pendingRecap: string | undefined;
  const started = Date.now();

  const closePlay = async () => {
    for (const l of lines.values()) l.finish(l.failed);
    if (current) await current.catch(() => undefined);
    current = undefined;
    lines = new Map();
  };
  const summary = (c: HostLine['counts']) =>
    p.dim(`ok=${c.ok} changed=${c.changed}${c.failed ? ` failed=${c.failed}` : ''}${c.unreachable ? ` unreachable=${c.unreachable}` : ''} ${((Date.now() - started) / 1000).toFixed(1)}s`);

  const startPlay = (name: string, hosts: string[]) => {
    const list = new Listr(
      hosts.map((host) => ({
        title: host,
        task: (_ctx: unknown, wrapper: ListrTaskWrapper<unknown, never, never>) =>
          new Promise<void>((resolve, reject) => {
            const line: HostLine = {
              wrapper,
              counts: emptyCounts(),
              finish: (failed) => (failed ? reject(new Error(failed)) : resolve()),
            };
            lines.set(host, line);
          }),
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } } as never,
    );
    o.out.write(p.bold(`PLAY [${name}]`) + '\n');
    current = list.run();
  };

  return {
    handle(e) {
      switch (e.event) {
        case 'play':
          void closePlay().then(() => undefined);
          startPlay(e.name, e.hosts);
          break;
        case 'task_start': {
          const l = lines.get(e.host);
          if (l?.wrapper) l.wrapper.title = `${e.host}: ${e.task} ${summary(l.counts)}`;
          break;
        }
        case 'task': {
          const l = lines.get(e.host);
          if (l) {
            l.counts[e.status]++;
            if (l.wrapper) l.wrapper.title = `${e.host}: ${e.task} ${summary(l.counts)}`;
            if (e.status === 'failed' || e.status === 'unreachable') l.failed = `${e.host}: ${e.task}: ${e.status}`;
          }
          if (e.status === 'failed' || e.status === 'unreachable') after.push(p.red(`${e.host} | ${e.status.toUpperCase()} | ${e.task}`), ...failureDetails(e, p));
          if (o.diff && e.diff?.length) after.push(diffText(e, p));
          break;
        }
        case 'warning':
          after.push(p.yellow(`[WARNING] ${e.message}`));
          break;
        case 'recap':
          pendingRecap = recapTable(e.hosts, e.ms, p);
          break;
      }
    },
    async end() {
      await closePlay();
      if (after.length) o.out.write(after.join('\n') + '\n');
      if (pendingRecap) o.out.write(pendingRecap);
    },
  };
}
