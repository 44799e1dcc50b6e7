import { sh, joinShell } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { fileDiff } from '../util/diff.js';
import { parseFields, parseFileState, statScript } from '../util/probe.js';
import { splitLines } from '../files/edit.js';

const norm = (v: unknown): string => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v ?? '')).trim().split(/\s+/).join(' ');
const keyOf = (name: string) => name.replace(/\//g, '.');

export const sysctl: ModuleDef = {
  name: 'sysctl',
  probe(args) {
    const name = keyOf(str(args.name)!);
    const file = str(args.sysctl_file)!;
    return joinShell([statScript(file, { follow: true, content: true }), sh`printf 'current=%s\\n' "$(sysctl -n -e -- ${name} 2>/dev/null | tr '\\t\\n' '  ')"`], '\n');
  },
  plan(args, probe, ctx) {
    const name = keyOf(str(args.name)!);
    const file = str(args.sysctl_file)!;
    const f = parseFields(probe?.stdout ?? '');
    const st = parseFileState(f);
    const present = str(args.state) !== 'absent';
    if (present && args.value === undefined) return { commands: [], failed: 'value is required with state=present' };
    const value = norm(args.value);
    const before = st.content?.toString('utf8') ?? '';
    const lines = splitLines(before);
    const out: string[] = [];
    let placed = false;
    for (const l of lines) {
      const m = /^\s*([^#;=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(l);
      if (m && keyOf(m[1]) === name) {
        if (present && !placed) out.push(norm(m[2]) === value ? l : `${name}=${value}\n`);
        placed = true;
        continue;
      }
      out.push(l);
    }
    if (present && !placed) {
      if (out.length && !out[out.length - 1].endsWith('\n')) out[out.length - 1] += '\n';
      out.push(`${name}=${value}\n`);
    }
    const after = out.join('');
    const cmds: Command[] = [];
    const fileChanged = after !== before || (!st.exists && present);
    if (fileChanged) {
      if (!st.exists) cmds.push(exec(sh`mkdir -p -- "$(dirname -- ${file})"`));
      cmds.push({ kind: 'write', path: file, content: Buffer.from(after), mode: st.exists ? undefined : '0644' });
    }
    const current = norm(f.get('current'));
    if (present && bool(args.sysctl_set) && current !== value) cmds.push(exec(sh`sysctl -q -w ${`${name}=${value}`}`));
    else if (fileChanged && present && bool(args.reload, true)) cmds.push(exec(sh`sysctl ${['-q', ...(bool(args.ignoreerrors) ? ['-e'] : []), '-p', file]}`));
    return { commands: cmds, diff: fileChanged && ctx.diff ? fileDiff(file, Buffer.from(before), Buffer.from(after)) : undefined, result: { name, value } };
  },
};
