import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { buildAptRepo, REPO_SOURCE } from './apt-repo.js';
import type { LabPaths } from './paths.js';
import { mustRun, runTool } from './run.js';

export const SUITE = 'bookworm';
export const MIRROR = 'http://deb.debian.org/debian';

/**
 * Everything the roles and tests use, baked in so nodes never need the internet:
 * wireguard-go because a kernel without WireGuard (e.g. a VM) still needs tunnels,
 * busybox so lxc can create containers offline with its busybox template.
 */
export const ROOTFS_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'python3', 'python3-apt', 'iproute2', 'sudo',
  'nftables', 'iptables', 'frr', 'frr-pythontools', 'wireguard-tools', 'wireguard-go', 'lxc', 'busybox', 'btrfs-progs',
  'rsync', 'curl', 'git', 'kmod', 'iputils-ping', 'procps', 'ca-certificates', 'less', 'cron',
  'netcat-openbsd', 'systemd-timesyncd', 'xz-utils', 'unzip',
];

/** Bump when the customisation below changes, so cached rootfs trees are rebuilt. */
const RECIPE = 1;

interface Stamp {
  recipe: number;
  suite: string;
  packages: string[];
}

const wanted = (): Stamp => ({ recipe: RECIPE, suite: SUITE, packages: [...ROOTFS_PACKAGES].sort() });

export function rootfsStampKey(): string {
  return JSON.stringify(wanted());
}

/** True when the cached rootfs is complete and was built from today's recipe and package list. */
export function rootfsCurrent(p: LabPaths): boolean {
  try {
    return JSON.stringify(JSON.parse(readFileSync(p.rootfsStamp, 'utf8'))) === rootfsStampKey();
  } catch {
    return false;
  }
}

/** Units that reach for the network or fight the tests for the dpkg lock: never in the lab. */
const MASKED_UNITS = ['apt-daily.timer', 'apt-daily-upgrade.timer', 'apt-daily.service', 'apt-daily-upgrade.service'];

function customise(root: string): void {
  // Host keys are per node (written into each overlay), never shared through the base.
  for (const f of readdirSync(join(root, 'etc/ssh'))) if (f.startsWith('ssh_host_')) rmSync(join(root, 'etc/ssh', f));
  mkdirSync(join(root, 'etc/ssh/sshd_config.d'), { recursive: true });
  writeFileSync(
    join(root, 'etc/ssh/sshd_config.d/rack-lab.conf'),
    [
      '# rack lab: root by key only; room for many parallel connections',
      'HostKey /etc/ssh/ssh_host_ed25519_key',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UseDNS no',
      'MaxStartups 200:30:400',
      'MaxSessions 100',
      '',
    ].join('\n'),
  );
  for (const unit of MASKED_UNITS) {
    const link = join(root, 'etc/systemd/system', unit);
    rmSync(link, { force: true });
    symlinkSync('/dev/null', link);
  }
  // Offline apt: only the local repository; roles that manage sources replace this.
  writeFileSync(join(root, 'etc/apt/sources.list'), '# rack lab nodes are offline: see sources.list.d/rack-lab.list\n');
  writeFileSync(join(root, 'etc/apt/sources.list.d/rack-lab.list'), REPO_SOURCE);
  writeFileSync(join(root, 'etc/resolv.conf'), '# rack lab: no DNS\n');
  writeFileSync(join(root, 'etc/machine-id'), ''); // each node gets its own in its overlay
}

/**
 * Build the shared base filesystem once. The build goes to a temp directory that is renamed
 * only when complete, so an interrupted build is never used; the stamp records the package
 * list so a changed list rebuilds.
 */
export async function ensureRootfs(p: LabPaths, log: (line: string) => void): Promise<void> {
  if (rootfsCurrent(p)) return;
  for (const tool of ['debootstrap', 'dpkg-deb', 'chroot']) {
    if ((await runTool('sh', ['-c', `command -v ${tool}`])).rc !== 0)
      fail('E_LAB_TOOL', `lab: '${tool}' is not installed`, undefined, 'apt-get install debootstrap systemd-container');
  }
  mkdirSync(p.debCache, { recursive: true });
  for (const f of readdirSync(p.root)) if (f.startsWith('rootfs.tmp-') || f.startsWith('rootfs.old-')) rmSync(join(p.root, f), { recursive: true, force: true });
  const tmp = join(p.root, `rootfs.tmp-${process.pid}`);
  log(`lab: building the node filesystem with debootstrap (${SUITE}, ${ROOTFS_PACKAGES.length} packages): minutes on first run`);
  try {
    await mustRun('debootstrap', [
      '--variant=minbase',
      `--cache-dir=${p.debCache}`,
      `--include=${ROOTFS_PACKAGES.join(',')}`,
      SUITE,
      tmp,
      MIRROR,
    ]);
    customise(tmp);
    await buildAptRepo(tmp);
    await mustRun('chroot', [tmp, 'apt-get', 'update', '-q']);
    await mustRun('chroot', [tmp, 'apt-get', 'clean']);
    writeFileSync(join(tmp, '.rack-stamp.json'), rootfsStampKey());
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (existsSync(p.rootfs)) {
    const old = join(p.root, `rootfs.old-${process.pid}`);
    renameSync(p.rootfs, old);
    renameSync(tmp, p.rootfs);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, p.rootfs);
  }
  log('lab: node filesystem ready');
}
