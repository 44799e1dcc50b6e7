import { sh, raw, joinShell, type ShellText } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, list, str } from '../args.js';
import type { ModuleDef } from '../types.js';

const STAMP = '/var/lib/apt/periodic/update-success-stamp';

interface Wanted {
  name: string;
  version?: string;
  spec: string;
}

const wanted = (names: string[]): Wanted[] =>
  names.map((spec) => {
    const i = spec.indexOf('=');
    return i > 0 ? { name: spec.slice(0, i), version: spec.slice(i + 1), spec } : { name: spec, spec };
  });

interface Installed {
  status: string;
  version: string;
}

/** dpkg-query lines: pkg=<name>\t<status>\t<version>. */
function parseDpkg(stdout: string): Map<string, Installed> {
  const m = new Map<string, Installed>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('pkg=')) continue;
    const [name, status, version] = line.slice(4).split('\t');
    m.set(name, { status, version });
  }
  return m;
}

/** apt-cache policy blocks: name -> candidate version. */
function parseCandidates(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  let cur: string | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) cur = head[1].replace(/:[a-z0-9]+$/, '');
    const cand = /^\s+Candidate: (\S+)/.exec(line);
    if (cur && cand) m.set(cur, cand[1]);
  }
  return m;
}

const isInstalled = (i: Installed | undefined) => !!i && i.status.split(' ')[2] === 'installed';
const hasTrace = (i: Installed | undefined) => !!i && i.status.split(' ')[2] !== 'not-installed';

export const apt: ModuleDef = {
  name: 'apt',
  probe(args) {
    const names = wanted(list(args.name)).map((w) => w.name.replace(/:[a-z0-9]+$/, ''));
    const parts: ShellText[] = [];
    const fmt = 'pkg=${Package}\\t${Status}\\t${Version}\\n';
    if (names.length) parts.push(sh`dpkg-query -W -f ${fmt} -- ${names} 2>/dev/null`);
    const deb = str(args.deb);
    if (deb) parts.push(sh`echo "deb_pkg=$(dpkg-deb -f ${deb} Package)"; echo "deb_ver=$(dpkg-deb -f ${deb} Version)"; dpkg-query -W -f ${fmt} -- "$(dpkg-deb -f ${deb} Package)" 2>/dev/null`);
    if (str(args.state) === 'latest' && names.length) parts.push(sh`LC_ALL=C apt-cache policy -- ${names} 2>/dev/null`);
    parts.push(raw(`echo "now=$(date +%s)"; echo "stamp=$(stat -c %Y ${STAMP} 2>/dev/null || stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0)"; true`));
    return joinShell(parts, '; ');
  },
  plan(args, probe) {
    const out = probe?.stdout ?? '';
    const installed = parseDpkg(out);
    const field = (k: string) => out.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1];
    const state = str(args.state) ?? 'present';
    const purge = bool(args.purge);
    const cmds: Command[] = [];
    const validFor = Number(args.cache_valid_time ?? 0);
    const age = Number(field('now') ?? 0) - Number(field('stamp') ?? 0);
    const updateCache = bool(args.update_cache) && (validFor <= 0 || age > validFor);
    if (updateCache) cmds.push(exec(sh`apt-get update -q && mkdir -p /var/lib/apt/periodic && touch ${STAMP}`));

    const opts: string[] = ['-y', '-q'];
    for (const o of list(args.dpkg_options)) opts.push('-o', `Dpkg::Options::=--${o}`);
    if (args.install_recommends === true) opts.push('-o', 'APT::Install-Recommends=yes');
    if (args.install_recommends === false) opts.push('--no-install-recommends');
    if (str(args.default_release)) opts.push('-t', str(args.default_release)!);
    if (bool(args.force) || bool(args.allow_downgrade)) opts.push('--allow-downgrades');
    if (bool(args.force)) opts.push('--allow-unauthenticated', '--allow-change-held-packages');
    const aptGet = (verb: string, pkgs: string[]) => exec(sh`DEBIAN_FRONTEND=noninteractive apt-get ${verb} ${opts} -- ${pkgs}`);

    const pkgs = wanted(list(args.name));
    const candidates = parseCandidates(out);
    let changes = 0;
    const deb = str(args.deb);
    if (deb) {
      const have = installed.get(field('deb_pkg') ?? '');
      if (!isInstalled(have) || have!.version !== field('deb_ver')) {
        cmds.push(exec(sh`DEBIAN_FRONTEND=noninteractive apt-get install ${opts} -- ${deb.startsWith('/') || deb.startsWith('.') ? deb : './' + deb}`));
        changes++;
      }
    }
    if (state === 'absent') {
      const gone = pkgs.filter((p) => (purge ? hasTrace(installed.get(p.name)) : isInstalled(installed.get(p.name)))).map((p) => p.name);
      if (gone.length) cmds.push(aptGet(purge ? 'purge' : 'remove', gone));
      changes += gone.length;
    } else {
      const needed = pkgs.filter((p) => {
        const i = installed.get(p.name.replace(/:[a-z0-9]+$/, ''));
        if (!isInstalled(i)) return true;
        if (p.version !== undefined) return !(i!.version === p.version || (p.version.endsWith('*') && i!.version.startsWith(p.version.slice(0, -1))));
        if (state === 'latest') {
          const c = candidates.get(p.name);
          return c !== undefined && c !== '(none)' && c !== i!.version;
        }
        return false;
      });
      if (needed.length) cmds.push(aptGet('install', needed.map((p) => p.spec)));
      if (state === 'fixed' && !needed.length) cmds.push(exec(sh`DEBIAN_FRONTEND=noninteractive apt-get install -f ${opts}`));
      changes += needed.length;
    }
    if (bool(args.autoremove)) cmds.push(exec(sh`DEBIAN_FRONTEND=noninteractive apt-get autoremove ${opts}`));
    return { commands: cmds, changed: changes > 0 || (state === 'fixed' && cmds.length > 0), result: { cache_updated: updateCache } };
  },
};

export const packageModule: ModuleDef = {
  name: 'package',
  probe(args, ctx) {
    return apt.probe!(args, ctx);
  },
  plan(args, probe, ctx) {
    const use = str(args.use) ?? 'auto';
    const mgr = use !== 'auto' ? use : (ctx.facts.pkg_mgr ?? (ctx.facts.os_family === 'Debian' ? 'apt' : undefined));
    if (mgr !== 'apt') return { commands: [], failed: `package: only apt is supported (host package manager: ${mgr ?? 'unknown'})` };
    return apt.plan({ name: args.name, state: args.state }, probe, ctx);
  },
};
