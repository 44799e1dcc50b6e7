import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { quote } from '../commands/quote.js';
import { makeNodeCgroups, removeCgroupTree } from './cgroup.js';
import type { NodeSpec } from './layout.js';
import { netnsPath } from './net.js';
import { nodePaths, type LabPaths, type NodePaths } from './paths.js';
import { childrenOf, ownedBy, readPid, running, signal } from './proc.js';
import { mustRun, runTool, sleep, waitFor, type RunResult } from './run.js';
import { ensureKeyPair, hostKeyPath, writeFileMkdir } from './ssh.js';

/** nspawn exits with this code when the node's systemd asked for a reboot. */
const REBOOT_EXIT = 133;
/** Inside a node, its loop device is always /dev/vdb, whatever number the host gave it. */
export const NODE_DISK = '/dev/vdb';
const DISK_BYTES = 1024 ** 3;

function mountPoints(): Set<string> {
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return new Set(
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => unescape(l.split(' ')[4])),
  );
}

export const isMounted = (path: string) => mountPoints().has(path);

/** Every mount under `dir`, deepest first, so they can be taken down in order. */
export function mountsUnder(dir: string): string[] {
  return [...mountPoints()].filter((m) => m.startsWith(dir + '/')).sort((a, b) => b.length - a.length);
}

async function ensureLoop(np: NodePaths): Promise<string | undefined> {
  if (!existsSync('/dev/loop-control')) return undefined; // no loop support: nodes get no disk
  if (!existsSync(np.disk)) await mustRun('truncate', ['-s', String(DISK_BYTES), np.disk]);
  const attached = (await runTool('losetup', ['-j', np.disk])).stdout.split(':')[0].trim();
  if (attached) return attached;
  const r = await runTool('losetup', ['--find', '--show', np.disk]);
  return r.rc === 0 ? r.stdout.trim() : undefined;
}

/**
 * The node's writable layer over the shared base, with what makes it itself: hostname,
 * machine id, host key, the lab's key for root, /etc/hosts naming every node.
 */
async function prepareFilesystem(p: LabPaths, np: NodePaths, spec: NodeSpec, all: NodeSpec[]): Promise<void> {
  for (const d of [np.upper, np.work, np.merged]) mkdirSync(d, { recursive: true });
  if (!isMounted(np.merged))
    await mustRun('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${p.rootfs},upperdir=${np.upper},workdir=${np.work}`, np.merged]);
  const m = (path: string) => join(np.merged, path);
  writeFileSync(m('etc/hostname'), `${spec.name}\n`);
  const hosts = all.map((n) => `${n.address}\t${n.name}`).join('\n');
  writeFileSync(m('etc/hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${spec.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n${hosts}\n`);
  if (!readFileSync(m('etc/machine-id'), 'utf8').trim()) writeFileSync(m('etc/machine-id'), randomBytes(16).toString('hex') + '\n');
  await ensureKeyPair(hostKeyPath(np.dir), `root@${spec.name}`);
  writeFileSync(m('etc/ssh/ssh_host_ed25519_key'), readFileSync(hostKeyPath(np.dir)), { mode: 0o600 });
  writeFileSync(m('etc/ssh/ssh_host_ed25519_key.pub'), readFileSync(`${hostKeyPath(np.dir)}.pub`));
  mkdirSync(m('root/.ssh'), { recursive: true, mode: 0o700 });
  writeFileMkdir(m('root/.ssh/authorized_keys'), readFileSync(`${p.key}.pub`, 'utf8'), 0o600);
}

function nspawnArgs(np: NodePaths, spec: NodeSpec, loop: string | undefined): string[] {
  const binds = ['/dev/net/tun', '/dev/btrfs-control'].filter((d) => existsSync(d)).map((d) => `--bind=${d}`);
  if (loop) binds.push(`--bind=${loop}:${NODE_DISK}`);
  return [
    'systemd-nspawn', '-b', '-q', '-D', np.merged, '--register=no', '--keep-unit',
    `--network-namespace-path=${netnsPath(spec.netns)}`, '-M', spec.name,
    '--resolv-conf=off', '--link-journal=no', '--console=read-only',
    '--capability=CAP_NET_ADMIN', ...binds,
  ];
}

/**
 * A detached shell loop that boots the node and boots it again when it exits for a reboot.
 * It records nspawn's PID (startNode records the loop's), so labDown can stop both by PID. /proc/sys/net is
 * writable in the node (forwarding and other per-namespace sysctls are the roles' job).
 */
function supervisorScript(np: NodePaths, args: string[], cgroups: string[]): string {
  return [
    'export SYSTEMD_NSPAWN_API_VFS_WRITABLE=network',
    // nspawn builds the node's cgroup tree where it starts: one cgroup per node (see cgroup.ts).
    ...cgroups.map((d) => `echo $$ > ${quote(`${d}/cgroup.procs`)} || echo "rack lab: could not enter cgroup ${d}" >&2`),
    'while :; do',
    `  [ -e ${quote(np.stop)} ] && exit 0`,
    `  ${args.map(quote).join(' ')} &`,
    `  echo $! > ${quote(np.nspawnPid)}`,
    '  wait $!; rc=$?',
    `  echo "rack lab: node exited with $rc" >&2`,
    `  [ $rc -eq ${REBOOT_EXIT} ] || exit $rc`,
    'done',
    '',
  ].join('\n');
}

/** Where startNode records the node's cgroup directories, for destroyNode. */
const cgroupsFile = (np: NodePaths) => join(np.dir, 'cgroups');

/** Make the node's filesystem and disk, then boot it under its supervisor. Returns the supervisor PID. */
export async function startNode(p: LabPaths, spec: NodeSpec, all: NodeSpec[]): Promise<{ pid: number; loop?: string }> {
  const np = nodePaths(p, spec.name);
  mkdirSync(np.dir, { recursive: true });
  await prepareFilesystem(p, np, spec, all);
  const loop = await ensureLoop(np);
  rmSync(np.stop, { force: true });
  rmSync(np.nspawnPid, { force: true });
  const cgroups = makeNodeCgroups(spec.name);
  writeFileSync(cgroupsFile(np), cgroups.join('\n'));
  const script = join(np.dir, 'supervise.sh');
  writeFileSync(script, supervisorScript(np, nspawnArgs(np, spec, loop), cgroups));
  const log = openSync(np.log, 'a');
  const child = spawn('sh', [script], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error(`lab: could not start the supervisor of ${spec.name}`);
  writeFileSync(np.supervisorPid, `${pid}\n`); // before returning: labUp checks it at once
  return { pid, loop };
}

/** The node's PID 1 (its systemd) as the host sees it, if the node is booted. */
export function nodeLeader(p: LabPaths, name: string): number | undefined {
  const np = nodePaths(p, name);
  const nspawn = readPid(np.nspawnPid);
  if (!ownedBy(nspawn, np.merged)) return undefined;
  return childrenOf(nspawn).find((c) => {
    try {
      return readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'systemd';
    } catch {
      return false;
    }
  });
}

export function supervisorAlive(p: LabPaths, name: string): boolean {
  const np = nodePaths(p, name);
  return ownedBy(readPid(np.supervisorPid), np.dir);
}

/** Run POSIX sh text inside a booted node (all its namespaces), as root, with a clean environment. */
export async function execInNode(p: LabPaths, name: string, cmd: string): Promise<RunResult> {
  const leader = nodeLeader(p, name);
  if (!leader) return { rc: 255, stdout: '', stderr: `lab: ${name} is not running` };
  return runTool('nsenter', [
    '-t', String(leader), '-m', '-u', '-i', '-n', '-p',
    'env', '-i', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8',
    'sh', '-c', cmd,
  ]);
}

/**
 * Stop a node and remove every trace: processes (by recorded PID, cmdline-checked),
 * mounts, loop device, namespace, files. Clean shutdown first; force after a grace period.
 */
export async function destroyNode(p: LabPaths, name: string, netns: string, hostVeth: string, graceMs = 90_000): Promise<void> {
  const np = nodePaths(p, name);
  if (existsSync(np.dir)) writeFileSync(np.stop, '');
  const sup = readPid(np.supervisorPid);
  const nspawn = readPid(np.nspawnPid);
  const leader = nodeLeader(p, name);
  if (ownedBy(nspawn, np.merged)) signal(nspawn, 'SIGTERM'); // nspawn asks the node's systemd to power off
  const gone = async () => {
    const end = Date.now() + graceMs;
    while (Date.now() < end && (ownedBy(sup, np.dir) || ownedBy(nspawn, np.merged))) await sleep(200);
  };
  await gone();
  for (const [pid, marker] of [[sup, np.dir], [nspawn, np.merged]] as const)
    if (ownedBy(pid, marker)) signal(pid, 'SIGKILL');
  if (leader && running(leader)) signal(leader, 'SIGKILL'); // ends the node's whole PID namespace
  await waitFor(`${name} processes to end`, 30_000, () =>
    ownedBy(sup, np.dir) || ownedBy(nspawn, np.merged) || (leader && running(leader)) ? undefined : true,
  );
  if (existsSync(cgroupsFile(np))) for (const d of readFileSync(cgroupsFile(np), 'utf8').split('\n').filter(Boolean)) removeCgroupTree(d);
  for (const m of mountsUnder(np.dir)) {
    if ((await runTool('umount', [m])).rc !== 0) await runTool('umount', ['-l', m]);
  }
  if (existsSync(np.disk)) {
    for (const line of (await runTool('losetup', ['-j', np.disk])).stdout.split('\n').filter(Boolean))
      await runTool('losetup', ['-d', line.split(':')[0]]);
  }
  if (existsSync(netnsPath(netns))) await runTool('ip', ['netns', 'del', netns]);
  await runTool('ip', ['link', 'del', hostVeth]);
  rmSync(np.dir, { recursive: true, force: true });
}
