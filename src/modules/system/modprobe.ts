import { sh } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { parseFields } from '../util/probe.js';

export const modprobe: ModuleDef = {
  name: 'modprobe',
  probe(args) {
    const name = str(args.name)!;
    const k = name.replace(/-/g, '_');
    return sh`if grep -q ${`^${k} `} /proc/modules 2>/dev/null || [ -d ${`/sys/module/${k}`} ]; then echo loaded=1; fi
printf 'load=%s\\n' "$(cat ${`/etc/modules-load.d/${name}.conf`} 2>/dev/null | base64 -w0)"
printf 'opts=%s\\n' "$(cat ${`/etc/modprobe.d/${name}.conf`} 2>/dev/null | base64 -w0)"
true`;
  },
  plan(args, probe) {
    const name = str(args.name)!;
    const params = (str(args.params) ?? '').trim();
    const f = parseFields(probe?.stdout ?? '');
    const loaded = f.get('loaded') === '1';
    const load = Buffer.from(f.get('load') ?? '', 'base64').toString();
    const opts = Buffer.from(f.get('opts') ?? '', 'base64').toString();
    const present = str(args.state) !== 'absent';
    const cmds: Command[] = [];
    if (present && !loaded) cmds.push(exec(params ? sh`modprobe -- ${name} ${params.split(/\s+/)}` : sh`modprobe -- ${name}`));
    if (!present && loaded) cmds.push(exec(sh`modprobe -r -- ${name}`));
    const persistent = str(args.persistent) ?? 'disabled';
    const loadFile = `/etc/modules-load.d/${name}.conf`;
    const optsFile = `/etc/modprobe.d/${name}.conf`;
    if (persistent === 'present') {
      if (load !== `${name}\n`) cmds.push({ kind: 'write', path: loadFile, content: Buffer.from(`${name}\n`), mode: '0644' });
      const wantOpts = params ? `options ${name} ${params}\n` : '';
      if (wantOpts && opts !== wantOpts) cmds.push({ kind: 'write', path: optsFile, content: Buffer.from(wantOpts), mode: '0644' });
      if (!wantOpts && opts) cmds.push(exec(sh`rm -f -- ${optsFile}`));
    }
    if (persistent === 'absent' && (load || opts)) cmds.push(exec(sh`rm -f -- ${loadFile} ${optsFile}`));
    return { commands: cmds, result: { name, params, state: present ? 'present' : 'absent' } };
  },
};
