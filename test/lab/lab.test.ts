import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labPaths, labStatus, labUp, type LabInfo } from '../../src/lab/index.js';
import { nodePaths } from '../../src/lab/paths.js';
import { readPid, running, signal } from '../../src/lab/proc.js';
import { nodeLeader } from '../../src/lab/node.js';
import { labMain } from '../../src/cli/lab.js';
import { alive, sleep } from '../../src/lab/run.js';
import { nodeExec, requireLab } from '../helpers/lab.js';

const skip = requireLab();
const p = labPaths();
const NAMES = ['node1', 'node2', 'node3'];

async function out(name: string, cmd: string): Promise<string> {
  const r = await nodeExec(name, cmd);
  if (r.rc !== 0) throw new Error(`${name}: '${cmd}' exited ${r.rc}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Poll until `fn` returns a value, or fail after `ms` (readiness, never a fixed sleep). */
async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

function ssh(address: string, knownHosts: string, cmd: string) {
  return spawnSync(
    'ssh',
    ['-i', p.key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'ConnectTimeout=20', `root@${address}`, cmd],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

const bootId = (name: string) => out(name, 'cat /proc/sys/kernel/random/boot_id');

describe.skipIf(skip)('the virtual rack', () => {
  let lab: LabInfo;
  const tmp = mkdtempSync(join(tmpdir(), 'rack-lab-test-'));

  beforeAll(async () => {
    lab = await labUp({ nodes: 3 });
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await labDown(); // idempotent: also after the down test, and after any failure
  });

  it('brings up three nodes, each in its own namespace, all up', async () => {
    expect(lab.nodes.map((n) => [n.name, n.address, n.state])).toEqual([
      ['node1', '10.88.0.11', 'up'],
      ['node2', '10.88.0.12', 'up'],
      ['node3', '10.88.0.13', 'up'],
    ]);
    for (const n of lab.nodes) {
      expect(existsSync(`/run/netns/${n.netns}`)).toBe(true);
      expect(alive(n.pid)).toBe(true);
    }
    expect((await labStatus()).nodes.map((n) => n.state)).toEqual(['up', 'up', 'up']);
  });

  it("each node's sshd takes the lab key with strict host key checking, and only its own host key", () => {
    for (const n of lab.nodes) {
      const r = ssh(n.address, lab.knownHosts, 'hostname');
      expect(r.stderr).not.toMatch(/WARNING/);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(n.name);
    }
    // node2's key recorded for node1's address: strict checking must refuse node1.
    const lines = readFileSync(lab.knownHosts, 'utf8').trim().split('\n');
    const wrong = join(tmp, 'known_hosts');
    writeFileSync(wrong, lines[1].replace(/^\S+/, '10.88.0.11') + '\n');
    const r = ssh('10.88.0.11', wrong, 'hostname');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('nodes have their own hostnames and isolated filesystems', async () => {
    const mark = `/root/rack-mark-${process.pid}`;
    await out('node1', `echo node1 > ${mark}`);
    expect(await out('node1', `cat ${mark}`)).toBe('node1');
    for (const other of ['node2', 'node3']) {
      expect((await nodeExec(other, `test -e ${mark}`)).rc).toBe(1);
      expect(await out(other, 'hostname')).toBe(other);
    }
    expect(existsSync(join(p.rootfs, mark))).toBe(false); // the shared base is untouched
    const ids = await Promise.all(NAMES.map((n) => out(n, 'cat /etc/machine-id')));
    expect(new Set(ids).size).toBe(3);
  });

  it('systemd is PID 1 and the system finishes booting (running or degraded)', async () => {
    for (const n of NAMES) {
      expect(await out(n, 'cat /proc/1/comm')).toBe('systemd');
      const state = await until(`${n} to finish booting`, 180_000, async () => {
        const s = (await nodeExec(n, 'systemctl is-system-running')).stdout.trim();
        return ['initializing', 'starting'].includes(s) ? undefined : s;
      });
      expect(['running', 'degraded']).toContain(state);
    }
  });

  it('installs and removes a package from the offline apt repository', async () => {
    expect((await nodeExec('node3', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q rack-hello')).rc).toBe(0);
    expect(await out('node3', 'rack-hello')).toBe('hello from rack-hello 1.1');
    expect((await nodeExec('node3', 'apt-get remove -y -q rack-hello')).rc).toBe(0);
    expect((await nodeExec('node3', 'command -v rack-hello')).rc).not.toBe(0);
  });

  it('gives each node a loop disk at /dev/vdb that takes a btrfs filesystem', async () => {
    await out('node2', 'mkfs.btrfs -q -f /dev/vdb && mkdir -p /mnt/t && mount /dev/vdb /mnt/t && btrfs subvolume create /mnt/t/data');
    expect(await out('node2', 'findmnt -n -o FSTYPE /mnt/t')).toBe('btrfs');
    await out('node2', 'umount /mnt/t');
  });

  it('has CAP_NET_ADMIN in the node: nftables rules load and a WireGuard link can be made', async () => {
    await out('node1', 'nft add table inet racktest && nft list tables | grep -q racktest && nft delete table inet racktest');
    const wg = await nodeExec('node1', 'ip link add wgt type wireguard 2>/dev/null || wireguard-go wgt; wg show wgt >/dev/null; rc=$?; ip link del wgt; exit $rc');
    expect(wg.rc).toBe(0);
  });

  it('lab up again is a no-op: same processes, same boots', async () => {
    const ids = await Promise.all(NAMES.map(bootId));
    const again = await labUp({ nodes: 3 });
    expect(again.nodes.map((n) => n.pid)).toEqual(lab.nodes.map((n) => n.pid));
    expect(await Promise.all(NAMES.map(bootId))).toEqual(ids);
  });

  it('a rebooted node comes back with a new boot id and sshd', async () => {
    const before = await bootId('node2');
    const nspawnBefore = readPid(nodePaths(p, 'node2').nspawnPid);
    await nodeExec('node2', 'systemctl reboot');
    const after = await until('node2 to boot again', 300_000, async () => {
      const id = (await nodeExec('node2', 'cat /proc/sys/kernel/random/boot_id')).stdout.trim();
      return id && id !== before ? id : undefined;
    });
    expect(after).not.toBe(before);
    expect(readPid(nodePaths(p, 'node2').nspawnPid)).not.toBe(nspawnBefore);
    const r = await until('node2 sshd', 300_000, async () => {
      const res = ssh('10.88.0.12', lab.knownHosts, 'cat /proc/sys/kernel/random/boot_id');
      return res.status === 0 ? res : undefined;
    });
    expect(r.stdout.trim()).toBe(after);
    expect((await labStatus()).nodes.find((n) => n.name === 'node2')?.pid).toBe(lab.nodes[1].pid);
  });

  it('a node that died is booted again by lab up; the others are untouched', async () => {
    const np = nodePaths(p, 'node3');
    const victims = [readPid(np.supervisorPid), readPid(np.nspawnPid), nodeLeader(p, 'node3')];
    for (const pid of victims) if (pid) signal(pid, 'SIGKILL');
    await until('node3 to be down', 60_000, async () => ((await labStatus()).nodes[2].state === 'down' ? true : undefined));
    const others = await Promise.all(['node1', 'node2'].map(bootId));
    const again = await labUp({ nodes: 3 });
    expect(again.nodes[2].state).toBe('up');
    expect(victims).not.toContain(again.nodes[2].pid);
    expect(ssh('10.88.0.13', again.knownHosts, 'hostname').stdout.trim()).toBe('node3');
    expect(await Promise.all(['node1', 'node2'].map(bootId))).toEqual(others);
  });

  it('rack lab status prints every node with its state', async () => {
    let text = '';
    const stdout = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    expect(await labMain(['status'], { stdout, stderr: stdout })).toBe(0);
    for (const n of NAMES) expect(text).toMatch(new RegExp(`^${n}\\s+10\\.88\\.0\\.1\\d\\s+home1\\s+up\\s+\\d+$`, 'm'));
  });

  it('two sites: nodes on different bridges reach each other through the host', async () => {
    const two = await labUp({ nodes: 2, sites: 2 });
    expect(two.nodes.map((n) => [n.name, n.address, n.site])).toEqual([
      ['node1', '10.88.0.11', 'home1'],
      ['node2', '10.89.0.12', 'home2'],
    ]);
    expect(existsSync('/run/netns/rack-node3')).toBe(false);
    expect(await out('node1', 'ping -c 1 -W 5 10.89.0.12 >/dev/null && echo ok')).toBe('ok');
    expect(ssh('10.89.0.12', two.knownHosts, 'hostname').stdout.trim()).toBe('node2');
  });

  it('lab down leaves no namespace, bridge, mount, loop device or process', async () => {
    const pids = (await labStatus()).nodes.flatMap((n) => [n.pid, readPid(nodePaths(p, n.name).nspawnPid) ?? 0]);
    expect(pids.filter(Boolean).length).toBeGreaterThan(0);
    await labDown();
    expect(pids.filter((pid) => running(pid))).toEqual([]); // exited (a zombie awaiting its reaper counts as gone)
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toMatch(/rack-node/);
    expect(spawnSync('ip', ['link', 'show', 'rackbr0']).status).not.toBe(0);
    expect(spawnSync('ip', ['link', 'show', 'rackbr1']).status).not.toBe(0);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(p.nodesDir);
    expect(spawnSync('losetup', ['-a'], { encoding: 'utf8' }).stdout).not.toContain(p.nodesDir);
    expect(existsSync(p.nodesDir) ? spawnSync('ls', [p.nodesDir], { encoding: 'utf8' }).stdout.trim() : '').toBe('');
    expect((await labStatus()).nodes).toEqual([]);
  });
});
