import type { HostCounts } from '../executor/events.js';
import type { Palette } from './color.js';

/** The table printed at the end: one line per host, like Ansible's PLAY RECAP, plus the time. */
export function recapTable(hosts: Record<string, HostCounts>, ms: number, p: Palette): string {
  const names = Object.keys(hosts).sort();
  const width = Math.max(4, ...names.map((n) => n.length));
  const lines = ['', p.bold('PLAY RECAP')];
  for (const n of names) {
    const c = hosts[n];
    const colour = c.failed || c.unreachable ? p.red : c.changed ? p.yellow : p.green;
    const cell = (k: keyof HostCounts, v: number, col: (s: string) => string) => (v ? col(`${k}=${v}`) : `${k}=${v}`).padEnd(0);
    lines.push(
      `${colour(n.padEnd(width))} : ${[
        cell('ok', c.ok, p.green),
        cell('changed', c.changed, p.yellow),
        cell('unreachable', c.unreachable, p.red),
        cell('failed', c.failed, p.red),
        cell('skipped', c.skipped, p.cyan),
        cell('rescued', c.rescued, p.magenta),
        cell('ignored', c.ignored, p.dim),
      ].join('  ')}`,
    );
  }
  lines.push(`time: ${(ms / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}
