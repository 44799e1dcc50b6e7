import { sh } from '../../commands/quote.js';
import { Secret, isSecret } from '../../commands/secret.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, list, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { parseFields } from '../util/probe.js';

const secretOf = (v: unknown): Secret | undefined => (v === undefined || v === null ? undefined : isSecret(v) ? v : new Secret(String(v)));

export const user: ModuleDef = {
  name: 'user',
  probe(args) {
    const name = str(args.name)!;
    const pw = secretOf(args.password);
    // The password hash is compared on the host: the probe reports only same/different.
    const pwCheck = pw ? sh`; if [ "$(getent shadow ${name} | cut -d: -f2)" = ${pw} ]; then echo pw=same; else echo pw=diff; fi` : sh``;
    const group = str(args.group);
    const groupCheck = group ? sh`; printf 'want_gid=%s\\n' "$(getent group ${group} | cut -d: -f3)"` : sh``;
    return sh`printf 'passwd=%s\\n' "$(getent passwd ${name})"; printf 'groups=%s\\n' "$(id -Gn ${name} 2>/dev/null)"; printf 'lock=%s\\n' "$(getent shadow ${name} | cut -d: -f2 | cut -c1)"${pwCheck}${groupCheck}; true`;
  },
  plan(args, probe) {
    const name = str(args.name)!;
    const f = parseFields(probe?.stdout ?? '');
    const entry = f.get('passwd') ?? '';
    const exists = entry !== '';
    const [, , uid, gid, comment, home, shell] = entry.split(':');
    const result: Record<string, unknown> = { name, state: str(args.state) };
    if (str(args.state) === 'absent') {
      if (!exists) return { commands: [], result };
      return { commands: [exec(sh`userdel ${[...(bool(args.remove) ? ['-r'] : []), ...(bool(args.force) ? ['-f'] : []), '--', name]}`)], result };
    }
    const o: Array<string | Secret> = [];
    const add = (...v: Array<string | Secret>) => o.push(...v);
    const wantGroups = args.groups !== undefined && args.groups !== null ? list(args.groups) : undefined;
    const pw = secretOf(args.password);
    if (!exists) {
      if (args.uid !== undefined) add('-u', String(args.uid));
      if (bool(args.non_unique)) add('-o');
      if (str(args.group)) add('-g', str(args.group)!);
      if (wantGroups?.length) add('-G', wantGroups.join(','));
      if (str(args.shell)) add('-s', str(args.shell)!);
      if (str(args.home)) add('-d', str(args.home)!);
      if (str(args.comment) !== undefined) add('-c', str(args.comment)!);
      if (bool(args.system)) add('-r');
      add(bool(args.create_home, true) ? '-m' : '-M');
      if (pw) add('-p', pw);
      const cmds: Command[] = [exec(sh`useradd ${o} -- ${name}`)];
      if (args.password_lock === true) cmds.push(exec(sh`usermod -L -- ${name}`));
      return { commands: cmds, result };
    }
    if (args.uid !== undefined && String(args.uid) !== uid) add('-u', String(args.uid));
    if (bool(args.non_unique) && o.length) add('-o');
    const group = str(args.group);
    if (group !== undefined && group !== gid && f.get('want_gid') !== gid) add('-g', group);
    if (wantGroups) {
      const primary = (f.get('groups') ?? '').split(' ')[0];
      const current = new Set((f.get('groups') ?? '').split(' ').filter((g) => g && g !== primary));
      const want = new Set(wantGroups.filter((g) => g !== primary));
      const missing = [...want].some((g) => !current.has(g));
      const extra = [...current].some((g) => !want.has(g));
      if (bool(args.append) ? missing : missing || extra) add(...(bool(args.append) ? ['-a'] : []), '-G', [...want].join(','));
    }
    if (str(args.shell) !== undefined && str(args.shell) !== shell) add('-s', str(args.shell)!);
    if (str(args.home) !== undefined && str(args.home) !== home) add('-d', str(args.home)!, ...(bool(args.move_home) ? ['-m'] : []));
    if (str(args.comment) !== undefined && str(args.comment) !== comment) add('-c', str(args.comment)!);
    if (pw && str(args.update_password) !== 'on_create' && f.get('pw') === 'diff') add('-p', pw);
    const locked = f.get('lock') === '!';
    if (args.password_lock === true && !locked) add('-L');
    if (args.password_lock === false && locked) add('-U');
    return { commands: o.length ? [exec(sh`usermod ${o} -- ${name}`)] : [], result };
  },
};

export const group: ModuleDef = {
  name: 'group',
  probe: (args) => sh`printf 'group=%s\\n' "$(getent group ${str(args.name)!})"`,
  plan(args, probe) {
    const name = str(args.name)!;
    const entry = parseFields(probe?.stdout ?? '').get('group') ?? '';
    const gid = entry.split(':')[2];
    const result = { name, state: str(args.state) };
    const ids = (flag: string) => (args.gid !== undefined ? [flag, String(args.gid), ...(bool(args.non_unique) ? ['-o'] : [])] : []);
    if (str(args.state) === 'absent') return { commands: entry ? [exec(sh`groupdel -- ${name}`)] : [], result };
    if (!entry) return { commands: [exec(sh`groupadd ${[...ids('-g'), ...(bool(args.system) ? ['-r'] : []), '--', name]}`)], result };
    if (args.gid !== undefined && String(args.gid) !== gid) return { commands: [exec(sh`groupmod ${ids('-g')} -- ${name}`)], result };
    return { commands: [], result };
  },
};
