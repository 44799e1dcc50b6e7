import { formatRef } from '../errors.js';
import type { RunEvent } from '../executor/events.js';
import type { Palette } from './color.js';
import { unifiedDiff } from './diff.js';
import { recapTable } from './recap.js';

export interface RendererOptions {
  out: NodeJS.WritableStream;
  palette: Palette;
  verbosity: number;
  diff: boolean;
}

export interface Renderer {
  handle(e: RunEvent): void;
  end(): Promise<void>;
}

const tail = (s: string | undefined, n: number) => (s ?? '').split('\n').filter(Boolean).slice(-n);

/** Details of a failed task: where it is declared, the message, the exit code and the end of stderr. */
export function failureDetails(e: Extract<RunEvent, { event: 'task' }>, p: Palette): string[] {
  const lines: string[] = [];
  if (e.ref) lines.push(`  task: ${formatRef(e.ref)}`);
  if (e.msg) lines.push(`  msg: ${e.msg}`);
  if (e.rc !== undefined && e.rc !== 0) lines.push(`  rc: ${e.rc}${e.rc === 127 ? ' (command not found)' : e.rc === 126 ? ' (not executable)' : ''}`);
  const err = tail(e.stderr, 10);
  if (err.length) lines.push('  stderr:', ...err.map((l) => p.dim(`    ${l}`)));
  else if (e.stdout) lines.push('  stdout:', ...tail(e.stdout, 5).map((l) => p.dim(`    ${l}`)));
  return lines;
}

export function diffText(e: Extract<RunEvent, { event: 'task' }>, p: Palette): string {
  return (e.diff ?? [])
    .map((d) =>
      unifiedDiff(d)
        .split('\n')
        .map((l) => (l.startsWith('+') ? p.green(l) : l.startsWith('-') ? p.red(l) : l))
        .join('\n'),
    )
    .join('');
}

/** One line per event on stderr: for pipes, CI logs and NO_COLOR terminals. */
export function plainRenderer(o: RendererOptions): Renderer {
  const p = o.palette;
  const write = (s: string) => o.out.write(s + '\n');
  const statusText: Record<string, (s: string) => string> = {
    ok: p.green,
    changed: p.yellow,
    failed: p.red,
    unreachable: p.red,
    skipped: p.cyan,
    rescued: p.magenta,
    ignored: p.dim,
  };
  return {
    handle(e) {
      switch (e.event) {
        case 'play':
          write(p.bold(`PLAY [${e.name}] ${p.dim(`(${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'})`)}`));
          break;
        case 'task_start':
          if (o.verbosity >= 2) write(p.dim(`${e.host} | start | ${e.task}`));
          break;
        case 'task': {
          if (e.status === 'skipped' && o.verbosity === 0) break;
          const where = e.delegatedTo ? ` -> ${e.delegatedTo}` : '';
          write(`${e.host}${where} | ${statusText[e.status](e.status.toUpperCase() === 'FAILED' ? 'FAILED' : e.status)} | ${e.task} ${p.dim(`(${e.ms} ms)`)}`);
          if (e.status === 'failed' || e.status === 'unreachable' || (e.status === 'ignored' && o.verbosity > 0)) for (const l of failureDetails(e, p)) write(l);
          else if (o.verbosity > 0 && e.msg) write(`  msg: ${e.msg}`);
          if (o.verbosity > 0 && e.stdout && e.status !== 'failed') for (const l of tail(e.stdout, 20)) write(p.dim(`  ${l}`));
          if (o.diff && e.diff?.length) o.out.write(diffText(e, p));
          break;
        }
        case 'warning':
          write(p.yellow(`[WARNING] ${e.ref ? formatRef(e.ref) + ': ' : ''}${e.message}`));
          break;
        case 'recap':
          o.out.write(recapTable(e.hosts, e.ms, p));
          break;
      }
    },
    async end() {},
  };
}
