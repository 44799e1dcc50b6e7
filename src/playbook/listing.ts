import { relative } from 'node:path';
import type { Play, Playbook, Task } from './types.js';

export interface ListFilter {
  tags?: string[];
  skipTags?: string[];
}

interface Entry {
  name: string;
  tags: string[];
}

function taskName(t: Task): string {
  const base = t.name ?? (t.kind === 'module' ? t.module : t.kind === 'include_tasks' ? `include_tasks ${t.file}` : t.kind === 'include_role' ? `include_role ${t.roleName}` : 'block');
  return t.role ? `${t.role.name} : ${base}` : base;
}

/** Tasks in run order with their inherited tags (blocks and static imports are opened). */
function flatten(tasks: Task[], inherited: string[], out: Entry[]): void {
  for (const t of tasks) {
    const tags = [...new Set([...inherited, ...t.tags])];
    if (t.kind === 'block') {
      flatten(t.block, tags, out);
      flatten(t.rescue, tags, out);
      flatten(t.always, tags, out);
    } else out.push({ name: taskName(t), tags });
  }
}

function selected(tags: string[], f: ListFilter): boolean {
  const want = f.tags ?? [];
  const skip = f.skipTags ?? [];
  if (tags.some((t) => skip.includes(t))) return false;
  if (!want.length || want.includes('all')) return !tags.includes('never');
  return tags.includes('always') || tags.some((t) => want.includes(t)) || (want.includes('tagged') && tags.length > 0) || (want.includes('untagged') && tags.length === 0);
}

function playEntries(play: Play): Entry[] {
  const out: Entry[] = [];
  flatten(play.preTasks, play.tags, out);
  for (const u of play.roles) flatten(u.role.tasks, [...play.tags, ...u.tags], out);
  flatten(play.tasks, play.tags, out);
  flatten(play.postTasks, play.tags, out);
  return out;
}

const tagText = (tags: string[]): string => `TAGS: [${[...tags].sort().join(', ')}]`;

/** `rack run --list-tasks`, in ansible-playbook's shape. */
export function listTasks(playbook: Playbook, filter: ListFilter = {}): string {
  const lines = ['', `playbook: ${relative(process.cwd(), playbook.file) || playbook.file}`];
  playbook.plays.forEach((p, i) => {
    lines.push('', `  play #${i + 1} (${p.hosts}): ${p.name}\t${tagText(p.tags)}`, '    tasks:');
    for (const e of playEntries(p)) if (selected(e.tags, filter)) lines.push(`      ${e.name}\t${tagText(e.tags)}`);
  });
  return lines.join('\n') + '\n';
}

/** `rack run --list-tags`: the tags each play's tasks carry. */
export function listTags(playbook: Playbook): string {
  const lines = ['', `playbook: ${relative(process.cwd(), playbook.file) || playbook.file}`];
  playbook.plays.forEach((p, i) => {
    const all = new Set<string>(p.tags);
    for (const e of playEntries(p)) for (const t of e.tags) all.add(t);
    lines.push('', `  play #${i + 1} (${p.hosts}): ${p.name}\t${tagText(p.tags)}`, `      TASK ${tagText([...all])}`);
  });
  return lines.join('\n') + '\n';
}
