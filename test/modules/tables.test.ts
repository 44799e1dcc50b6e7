import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Command, Plan } from '../../src/commands/types.js';
import { normalizeArgs } from '../../src/modules/args.js';
import { getModule, moduleNames, plannerNames } from '../../src/modules/index.js';
import { applyMode, parseMode } from '../../src/modules/util/mode.js';
import { pyRegExp, pySub } from '../../src/modules/util/pyre.js';
import { modules } from '../../src/schema/modules.js';
import { ctx } from './helpers.js';

/** Plan from a captured probe output. */
async function plan(name: string, args: Record<string, unknown>, stdout: string, c = ctx()): Promise<Plan> {
  const mod = getModule(name)!;
  return mod.plan(args, { stdout, stderr: '', rc: 0 }, c);
}
const shown = (cmds: Command[]) => cmds.map((c) => (c.kind === 'exec' ? c.cmd.shown : `write ${c.path}`));
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('schemas', () => {
  const all = ['command', 'shell', 'raw', 'script', 'copy', 'template', 'file', 'lineinfile', 'blockinfile', 'replace', 'stat', 'slurp', 'fetch', 'apt', 'package', 'systemd', 'service', 'sysctl', 'modprobe', 'user', 'group', 'authorized_key', 'hostname', 'mount', 'get_url', 'unarchive', 'git', 'wait_for', 'wait_for_connection', 'reboot', 'pause', 'debug', 'assert', 'fail', 'set_fact', 'meta', 'include_vars', 'netboot'];
  it('exist for every module, with descriptions and a valid example', () => {
    expect(moduleNames()).toEqual([...all].sort());
    for (const name of all) {
      const s = modules().schema(name)!;
      for (const [k, p] of Object.entries(s.properties ?? {})) expect(p.description, `${name}.${k}`).toBeTruthy();
      const example = parse(s['x-rack']!.example!) as Array<Record<string, unknown>>;
      const task = example[0];
      let args = task[name];
      const ff = s['x-rack']!.free_form;
      if (typeof args === 'string') args = ff ? { [ff]: args } : {};
      const a = normalizeArgs(name, { ...(args as object), ...((task.args as object) ?? {}) });
      expect(modules().check(name, a), name).toEqual([]);
    }
  });
  it('every planner has a schema; control modules have none', () => {
    for (const n of plannerNames()) expect(moduleNames()).toContain(n);
    expect(getModule('debug')).toBeUndefined();
    expect(getModule('ansible.builtin.copy')?.name).toBe('copy');
  });
  it('normalizeArgs resolves aliases, coerces and fills defaults, idempotently', () => {
    const a = normalizeArgs('lineinfile', { dest: '/x', regex: '^a', value: 'b', create: 'yes' });
    expect(a).toMatchObject({ path: '/x', regexp: '^a', line: 'b', create: true, state: 'present', backrefs: false });
    expect(normalizeArgs('lineinfile', a)).toEqual(a);
    expect(normalizeArgs('apt', { pkg: 'a,b', cache_valid_time: '3600' })).toMatchObject({ name: 'a,b', cache_valid_time: 3600 });
  });
});

describe('mode', () => {
  it('octal, numbers and symbolic', () => {
    expect(parseMode(420)).toEqual({ octal: 0o644 });
    expect(parseMode('0644')).toEqual({ octal: 0o644 });
    expect(parseMode('755')).toEqual({ octal: 0o755 });
    expect(applyMode(parseMode('u+rwx,g-w')!, 0o664, false)).toBe(0o744);
    expect(applyMode(parseMode('a=rX')!, 0o600, true)).toBe(0o555);
    expect(applyMode(parseMode('a=rX')!, 0o600, false)).toBe(0o444);
    expect(applyMode(parseMode('g=u')!, 0o700, false)).toBe(0o770);
    expect(() => parseMode('rwx')).toThrow(/neither octal nor symbolic/);
  });
});

describe('Python regular expressions', () => {
  it('$ matches before a final newline; named groups; \\Z', () => {
    expect(pyRegExp('22$').test('Port 22\n')).toBe(true);
    expect(pyRegExp('22\\Z').test('Port 22\n')).toBe(false);
    expect(pySub(pyRegExp('(?P<a>\\w)(?P=a)', {}, true), '<\\g<a>>', 'xxyzz').text).toBe('<x>y<z>');
    expect(pySub(pyRegExp('^', { multiline: true }, true), '# ', 'a\nb\n').text).toBe('# a\n# b\n# ');
    expect(pyRegExp('(?i)^port').test('PORT 1')).toBe(true);
  });
});

describe('apt', () => {
  const probe = (extra = '') => `pkg=curl\tinstall ok installed\t7.88.1-10\npkg=vim\tdeinstall ok config-files\t2:9.0\n${extra}now=10000\nstamp=9000\n`;
  it('installs what is missing, noninteractive, once', async () => {
    const p = await plan('apt', { name: ['curl', 'vim', 'jq'], install_recommends: false }, probe());
    expect(shown(p.commands)).toEqual(["DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends -- vim jq"]);
    expect(p.changed).toBe(true);
    expect((await plan('apt', { name: 'curl' }, probe())).commands).toEqual([]);
  });
  it('update_cache respects cache_valid_time and alone is not a change', async () => {
    const fresh = await plan('apt', { name: 'curl', update_cache: true, cache_valid_time: 3600 }, probe());
    expect(fresh.commands).toEqual([]);
    const stale = await plan('apt', { name: 'curl', update_cache: true, cache_valid_time: 60 }, probe());
    expect(shown(stale.commands)[0]).toMatch(/^apt-get update/);
    expect(stale.changed).toBe(false);
  });
  it('absent removes installed ones; purge also clears config-files', async () => {
    expect(shown((await plan('apt', { name: ['curl', 'vim'], state: 'absent' }, probe())).commands)[0]).toMatch(/apt-get remove .* -- curl$/);
    expect(shown((await plan('apt', { name: ['curl', 'vim'], state: 'absent', purge: true }, probe())).commands)[0]).toMatch(/apt-get purge .* -- curl vim$/);
  });
  it('latest compares with the candidate; versions pin', async () => {
    const pol = 'curl:\n  Installed: 7.88.1-10\n  Candidate: 7.88.1-11\n';
    expect(shown((await plan('apt', { name: 'curl', state: 'latest' }, probe(pol))).commands)[0]).toMatch(/install .* -- curl$/);
    const same = 'curl:\n  Installed: 7.88.1-10\n  Candidate: 7.88.1-10\n';
    expect((await plan('apt', { name: 'curl', state: 'latest' }, probe(same))).commands).toEqual([]);
    expect((await plan('apt', { name: 'curl=7.88.1-10' }, probe())).commands).toEqual([]);
    expect((await plan('apt', { name: 'curl=7.88.1-11' }, probe())).commands).toHaveLength(1);
  });
  it('package goes to apt on Debian, refuses others', async () => {
    expect((await plan('package', { name: 'jq' }, probe())).commands).toHaveLength(1);
    expect((await plan('package', { name: 'jq' }, probe(), ctx({ facts: { pkg_mgr: 'dnf' } }))).failed).toMatch(/only apt/);
  });
});

describe('systemd and service', () => {
  const st = (active: string, enabled: string, load = 'loaded') => `Id=nginx.service\nLoadState=${load}\nActiveState=${active}\nSubState=x\nUnitFileState=${enabled}\nenabled_state=${enabled}\n`;
  it('starts and enables only when needed', async () => {
    const p = await plan('systemd', { name: 'nginx', state: 'started', enabled: true }, st('inactive', 'disabled'));
    expect(shown(p.commands)).toEqual(['systemctl enable -- nginx', 'systemctl start -- nginx']);
    expect((await plan('systemd', { name: 'nginx', state: 'started', enabled: true }, st('active', 'enabled'))).commands).toEqual([]);
    expect(shown((await plan('systemd', { name: 'nginx', state: 'stopped' }, st('active', 'enabled'))).commands)).toEqual(['systemctl stop -- nginx']);
  });
  it('restarted always acts; daemon_reload alone is not a change; mask', async () => {
    expect(shown((await plan('systemd', { name: 'nginx', state: 'restarted' }, st('active', 'enabled'))).commands)).toEqual(['systemctl restart -- nginx']);
    const r = await plan('systemd', { name: 'nginx', state: 'started', daemon_reload: true }, st('active', 'enabled'));
    expect(shown(r.commands)).toEqual(['systemctl daemon-reload']);
    expect(r.changed).toBe(false);
    expect(shown((await plan('systemd', { name: 'nginx', masked: true }, st('inactive', 'disabled'))).commands)).toEqual(['systemctl mask -- nginx']);
    expect((await plan('systemd', { name: 'nginx', masked: true }, st('inactive', 'masked', 'masked'))).commands).toEqual([]);
  });
  it('a missing unit fails; service maps onto systemd', async () => {
    expect((await plan('systemd', { name: 'nope', state: 'started' }, st('inactive', '', 'not-found'))).failed).toMatch(/Could not find/);
    expect(shown((await plan('service', { name: 'nginx', state: 'reloaded' }, st('active', 'enabled'))).commands)).toEqual(['systemctl reload -- nginx']);
  });
});

describe('sysctl', () => {
  const probe = (file: string | null, current: string) =>
    (file === null ? 'exists=0\n' : `exists=1\nftype=regular file\nmode=644\ncontent=${b64(file)}\n`) + `current=${current}\n`;
  it('writes the file and reloads it; unchanged when in place', async () => {
    const p = await plan('sysctl', { name: 'net.ipv4.ip_forward', value: 1 }, probe(null, '0'));
    expect(shown(p.commands)).toEqual(['mkdir -p -- "$(dirname -- /etc/sysctl.d/99-rack.conf)"', 'write /etc/sysctl.d/99-rack.conf', 'sysctl -q -p /etc/sysctl.d/99-rack.conf']);
    expect((p.commands[1] as { content: Buffer }).content.toString()).toBe('net.ipv4.ip_forward=1\n');
    expect((await plan('sysctl', { name: 'net.ipv4.ip_forward', value: '1' }, probe('# x\nnet.ipv4.ip_forward = 1\n', '1'))).commands).toEqual([]);
  });
  it('replaces an existing entry, sysctl_set fixes the runtime, absent removes', async () => {
    const p = await plan('sysctl', { name: 'vm.swappiness', value: 10, sysctl_set: true }, probe('a=1\nvm.swappiness=60\n', '60'));
    expect((p.commands[0] as { content: Buffer }).content.toString()).toBe('a=1\nvm.swappiness=10\n');
    expect(shown(p.commands)[1]).toBe('sysctl -q -w vm.swappiness=10');
    const rt = await plan('sysctl', { name: 'net.ipv4.tcp_rmem', value: '4096  87380 6291456', sysctl_set: true }, probe('net.ipv4.tcp_rmem=4096 87380 6291456\n', '4096 87380 6291456 '));
    expect(rt.commands).toEqual([]);
    const rm = await plan('sysctl', { name: 'vm.swappiness', state: 'absent' }, probe('a=1\nvm.swappiness=60\n', '60'));
    expect((rm.commands[0] as { content: Buffer }).content.toString()).toBe('a=1\n');
  });
});

describe('modprobe', () => {
  it('loads and persists; unchanged when loaded and persisted', async () => {
    const p = await plan('modprobe', { name: 'wireguard', persistent: 'present', params: 'x=1' }, 'load=\nopts=\n');
    expect(shown(p.commands)).toEqual(['modprobe -- wireguard x=1', 'write /etc/modules-load.d/wireguard.conf', 'write /etc/modprobe.d/wireguard.conf']);
    const done = `loaded=1\nload=${b64('wireguard\n')}\nopts=${b64('options wireguard x=1\n')}\n`;
    expect((await plan('modprobe', { name: 'wireguard', persistent: 'present', params: 'x=1' }, done)).commands).toEqual([]);
    expect(shown((await plan('modprobe', { name: 'wireguard', state: 'absent', persistent: 'absent' }, done)).commands)).toEqual([
      'modprobe -r -- wireguard',
      'rm -f -- /etc/modules-load.d/wireguard.conf /etc/modprobe.d/wireguard.conf',
    ]);
  });
});

describe('user and group', () => {
  const entry = 'passwd=deploy:x:1001:1001:Deploy:/home/deploy:/bin/sh\ngroups=deploy adm\nlock=$\n';
  it('creates a missing user with its options', async () => {
    const p = await plan('user', { name: 'deploy', uid: 1001, groups: ['sudo', 'adm'], shell: '/bin/bash', system: false }, 'passwd=\ngroups=\n');
    expect(shown(p.commands)).toEqual(['useradd -u 1001 -G sudo,adm -s /bin/bash -m -- deploy']);
  });
  it('changes only what differs; append adds missing groups only', async () => {
    expect(shown((await plan('user', { name: 'deploy', shell: '/bin/bash', groups: 'sudo', append: true }, entry)).commands)).toEqual(['usermod -a -G sudo -s /bin/bash -- deploy']);
    expect((await plan('user', { name: 'deploy', shell: '/bin/sh', groups: ['adm'], append: true, comment: 'Deploy' }, entry)).commands).toEqual([]);
    expect(shown((await plan('user', { name: 'deploy', groups: [] }, entry)).commands)).toEqual(["usermod -G '' -- deploy"]);
  });
  it('password hashes are compared on the host and masked in commands', async () => {
    const p = await plan('user', { name: 'deploy', password: '$6$salt$hash' }, entry + 'pw=diff\n');
    expect(shown(p.commands)).toEqual(['usermod -p ******** -- deploy']);
    expect(p.commands[0].kind === 'exec' && p.commands[0].cmd.text).toContain("'$6$salt$hash'");
    expect((await plan('user', { name: 'deploy', password: '$6$salt$hash' }, entry + 'pw=same\n')).commands).toEqual([]);
    const probe = getModule('user')!.probe!({ name: 'deploy', password: '$6$salt$hash' }, ctx())!;
    expect(probe.shown).not.toContain('$6$salt$hash');
  });
  it('absent removes with remove; group add/modify/delete', async () => {
    expect(shown((await plan('user', { name: 'deploy', state: 'absent', remove: true }, entry)).commands)).toEqual(['userdel -r -- deploy']);
    expect((await plan('user', { name: 'ghost', state: 'absent' }, 'passwd=\n')).commands).toEqual([]);
    expect(shown((await plan('group', { name: 'docker', system: true }, 'group=\n')).commands)).toEqual(['groupadd -r -- docker']);
    expect(shown((await plan('group', { name: 'docker', gid: 990 }, 'group=docker:x:999:\n')).commands)).toEqual(['groupmod -g 990 -- docker']);
    expect((await plan('group', { name: 'docker', gid: 999 }, 'group=docker:x:999:\n')).commands).toEqual([]);
    expect(shown((await plan('group', { name: 'docker', state: 'absent' }, 'group=docker:x:999:\n')).commands)).toEqual(['groupdel -- docker']);
  });
});

describe('authorized_key', () => {
  const k1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne one@x';
  const k2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITwo two@x';
  const probe = (content: string | null, dir = true) =>
    `home=/home/u\npgroup=u\nfile=/home/u/.ssh/authorized_keys\n${dir ? 'dir=1\n' : ''}` +
    (content === null ? 'exists=0\n' : `exists=1\nftype=regular file\nmode=600\ncontent=${b64(content)}\n`);
  it('adds a key, creating ~/.ssh; unchanged when present', async () => {
    const p = await plan('authorized_key', { user: 'u', key: k1 }, probe(null, false));
    expect(p.commands.map((c) => c.kind)).toEqual(['exec', 'write']);
    expect(p.commands[1]).toMatchObject({ path: '/home/u/.ssh/authorized_keys', mode: '0600', owner: 'u', group: 'u' });
    expect((p.commands[1] as { content: Buffer }).content.toString()).toBe(k1 + '\n');
    expect((await plan('authorized_key', { user: 'u', key: k1 }, probe(`# c\n${k1}\n`))).commands).toEqual([]);
  });
  it('exclusive drops other keys; absent removes; options update in place', async () => {
    const ex = await plan('authorized_key', { user: 'u', key: k1, exclusive: true }, probe(`${k2}\n${k1}\n`));
    expect((ex.commands[0] as { content: Buffer }).content.toString()).toBe(k1 + '\n');
    const rm = await plan('authorized_key', { user: 'u', key: k1, state: 'absent' }, probe(`${k2}\n${k1}\n`));
    expect((rm.commands[0] as { content: Buffer }).content.toString()).toBe(k2 + '\n');
    const opt = await plan('authorized_key', { user: 'u', key: k1, key_options: 'no-pty,from="10.0.0.0/8"' }, probe(`${k1}\n`));
    expect((opt.commands[0] as { content: Buffer }).content.toString()).toBe(`no-pty,from="10.0.0.0/8" ${k1}\n`);
  });
});

describe('hostname and mount', () => {
  it('hostname: hostnamectl under systemd, file otherwise, nothing when set', async () => {
    expect(shown((await plan('hostname', { name: 'n1' }, 'static=old\ncurrent=old\n')).commands)).toEqual(['hostnamectl set-hostname -- n1']);
    expect(shown((await plan('hostname', { name: 'n1', use: 'debian' }, 'static=old\ncurrent=old\n')).commands)).toEqual(['write /etc/hostname', 'hostname -- n1']);
    expect((await plan('hostname', { name: 'n1' }, 'static=n1\ncurrent=n1\n')).commands).toEqual([]);
  });
  const fstab = (c: string) => `exists=1\nftype=regular file\nmode=644\ncontent=${b64(c)}\n`;
  it('mount: adds to fstab and mounts; unchanged when both hold; absent undoes', async () => {
    const args = { path: '/srv/data', src: 'LABEL=data', fstype: 'ext4', state: 'mounted' };
    const p = await plan('mount', args, fstab('proc /proc proc defaults 0 0\n'));
    expect(shown(p.commands)).toEqual(['write /etc/fstab', 'mkdir -p -- /srv/data', 'mount -T /etc/fstab -- /srv/data']);
    expect((p.commands[0] as { content: Buffer }).content.toString()).toBe('proc /proc proc defaults 0 0\nLABEL=data /srv/data ext4 defaults 0 0\n');
    const there = fstab('LABEL=data /srv/data ext4 defaults 0 0\n') + 'mounted=1\ndir=1\n';
    expect((await plan('mount', args, there)).commands).toEqual([]);
    expect(shown((await plan('mount', { ...args, opts: 'noatime' }, there)).commands)).toEqual(['write /etc/fstab', 'mount -T /etc/fstab -o remount -- /srv/data']);
    expect(shown((await plan('mount', { path: '/srv/data', state: 'absent' }, there)).commands)).toEqual(['write /etc/fstab', 'umount -- /srv/data', 'rmdir -- /srv/data 2>/dev/null || true']);
    expect(shown((await plan('mount', { path: '/srv/data', state: 'unmounted' }, there)).commands)).toEqual(['umount -- /srv/data']);
  });
});

describe('get_url', () => {
  const hex = 'a'.repeat(64);
  it('unchanged when dest has the checksum; downloads and verifies otherwise', async () => {
    const args = { url: 'https://example.com/f.img', dest: '/srv/f.img', checksum: `sha256:${hex}` };
    expect((await plan('get_url', args, `path=/srv/f.img\nexists=1\nftype=regular file\nmode=644\nsum=${hex}\n`)).commands).toEqual([]);
    const p = await plan('get_url', args, 'path=/srv/f.img\nexists=0\n');
    expect(p.commands).toHaveLength(1);
    const text = p.commands[0].kind === 'exec' ? p.commands[0].cmd.text : '';
    expect(text).toContain('sha256sum');
    expect(text).toContain(hex);
    expect(text).toContain('.rack-tmp-');
    expect((await plan('get_url', { ...args, checksum: 'bogus' }, 'path=/x\nexists=0\n')).failed).toMatch(/algorithm:hex/);
  });
});
