import { sh, joinShell } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { fileDiff } from '../util/diff.js';
import { parseFields, parseFileState, statScript } from '../util/probe.js';
import { splitLines } from '../files/edit.js';

/** fstab fields escape whitespace and backslashes as octal. */
const esc = (s: string) => s.replace(/[\\ \t\n]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
const unesc = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export const mount: ModuleDef = {
  name: 'mount',
  probe(args) {
    const path = str(args.path)!.replace(/(.)\/+$/, '$1');
    return joinShell(
      [
        statScript(str(args.fstab) ?? '/etc/fstab', { follow: true, content: true }),
        sh`if findmnt -rn --mountpoint ${path} >/dev/null 2>&1; then echo mounted=1; fi; if [ -d ${path} ]; then echo dir=1; fi; true`,
      ],
      '\n',
    );
  },
  plan(args, probe, ctx) {
    const path = str(args.path)!.replace(/(.)\/+$/, '$1');
    const fstab = str(args.fstab) ?? '/etc/fstab';
    const state = str(args.state)!;
    const f = parseFields(probe?.stdout ?? '');
    const st = parseFileState(f);
    const mounted = f.get('mounted') === '1';
    const before = st.content?.toString('utf8') ?? '';
    const lines = splitLines(before);
    const isOurs = (l: string) => {
      const w = l.trim().split(/\s+/);
      return !l.trim().startsWith('#') && w.length >= 2 && unesc(w[1]) === path;
    };
    let opts = str(args.opts) ?? 'defaults';
    if (!bool(args.boot, true) && !opts.split(',').includes('noauto')) opts += ',noauto';
    const entry = () => `${esc(str(args.src)!)} ${esc(path)} ${str(args.fstype)} ${opts} ${str(args.dump) ?? '0'} ${str(args.passno) ?? '0'}\n`;
    let out = lines;
    if (state === 'mounted' || state === 'present') {
      if (!str(args.src) || !str(args.fstype)) return { commands: [], failed: `src and fstype are required with state=${state}` };
      const i = lines.findIndex(isOurs);
      out = [...lines];
      if (i >= 0) {
        const w = lines[i].trim().split(/\s+/);
        const have = `${w[0]} ${w[1]} ${w[2]} ${w[3] ?? 'defaults'} ${w[4] ?? '0'} ${w[5] ?? '0'}\n`;
        if (have !== entry()) out[i] = entry();
      } else {
        if (out.length && !out[out.length - 1].endsWith('\n')) out[out.length - 1] += '\n';
        out.push(entry());
      }
    } else if (state === 'absent') out = lines.filter((l) => !isOurs(l));
    const after = out.join('');
    const cmds: Command[] = [];
    const fstabChanged = after !== before;
    if (fstabChanged) cmds.push({ kind: 'write', path: fstab, content: Buffer.from(after), backup: bool(args.backup), mode: st.exists ? undefined : '0644' });
    if (state === 'mounted') {
      if (f.get('dir') !== '1') cmds.push(exec(sh`mkdir -p -- ${path}`));
      if (!mounted) cmds.push(exec(sh`mount -T ${fstab} -- ${path}`));
      else if (fstabChanged) cmds.push(exec(sh`mount -T ${fstab} -o remount -- ${path}`));
    }
    if ((state === 'unmounted' || state === 'absent') && mounted) cmds.push(exec(sh`umount -- ${path}`));
    if (state === 'absent' && f.get('dir') === '1' && (mounted || fstabChanged)) cmds.push(exec(sh`rmdir -- ${path} 2>/dev/null || true`));
    if (state === 'remounted') cmds.push(exec(sh`mount -o remount -- ${path}`));
    return { commands: cmds, result: { name: path, fstab }, diff: fstabChanged && ctx.diff ? fileDiff(fstab, Buffer.from(before), Buffer.from(after)) : undefined };
  },
};
