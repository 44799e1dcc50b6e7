import { sh } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { parseFields } from '../util/probe.js';

export const hostname: ModuleDef = {
  name: 'hostname',
  probe: () => sh`printf 'static=%s\\n' "$(cat /etc/hostname 2>/dev/null | head -n1)"; printf 'current=%s\\n' "$(hostname)"`,
  plan(args, probe, ctx) {
    const name = str(args.name)!;
    const f = parseFields(probe?.stdout ?? '');
    const use = str(args.use) ?? 'auto';
    const how = use === 'auto' ? (ctx.facts.service_mgr === 'systemd' ? 'systemd' : 'file') : use;
    const cmds: Command[] = [];
    const result = { name, ansible_facts: { hostname: name.split('.')[0] } };
    if (f.get('static') === name && f.get('current') === name) return { commands: [], result };
    if (how === 'systemd') cmds.push(exec(sh`hostnamectl set-hostname -- ${name}`));
    else {
      if (f.get('static') !== name) cmds.push({ kind: 'write', path: '/etc/hostname', content: Buffer.from(name + '\n'), mode: '0644' });
      if (f.get('current') !== name) cmds.push(exec(sh`hostname -- ${name}`));
    }
    return { commands: cmds, result };
  },
};
