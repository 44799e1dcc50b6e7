// Every core module on a fresh 3-node virtual rack: --check writes nothing, the first run
// changes things for real, the second changes nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireLab, type LabHandle } from '../helpers/lab.js';
import { bootId, fingerprintDiff, freshLab, nodeOut, runCollect, upperFingerprint, type Collected } from './support.js';

const skip = requireLab();
const FIXTURE = resolve('test/fixtures/engine/every-module');
const PLAYBOOK = join(FIXTURE, 'site.yml');
const NODES = ['node1', 'node2', 'node3'];
const REBOOTED = 'node3';

/** The core modules: the playbook must use each of them. */
const CORE = [
  'command', 'shell', 'raw', 'script', 'copy', 'template', 'file', 'lineinfile', 'blockinfile', 'replace', 'stat',
  'slurp', 'fetch', 'apt', 'package', 'systemd', 'service', 'sysctl', 'modprobe', 'user', 'group', 'authorized_key',
  'hostname', 'mount', 'get_url', 'unarchive', 'git', 'wait_for', 'wait_for_connection', 'reboot', 'pause', 'debug',
  'assert', 'fail', 'set_fact', 'meta',
];

function modulesUsed(tasks: unknown[]): string[] {
  const out: string[] = [];
  for (const t of tasks as Record<string, unknown>[]) {
    for (const k of ['block', 'rescue', 'always']) if (Array.isArray(t[k])) out.push(...modulesUsed(t[k] as unknown[]));
    out.push(...Object.keys(t).filter((k) => CORE.includes(k)));
  }
  return out;
}

describe.skipIf(skip)('every core module on the virtual rack', () => {
  let lab: LabHandle;
  let server: Server;
  const tmp = mkdtempSync(join(tmpdir(), 'rack-engine-every-'));
  const fetchDir = join(tmp, 'fetched');
  let extraVars: Record<string, unknown>;
  let bootsBefore: string[];
  let bootsAfterFirst: string[];
  const fingerprints = new Map<string, Map<string, string>>();
  const go = (check = false) =>
    runCollect({ playbook: PLAYBOOK, inventories: [lab.inventoryPath], extraVars, check, stateFile: join(tmp, 'resume.json') });

  beforeAll(async () => {
    lab = await freshLab(3);
    // A file server on the lab bridge (the host's own address there), for get_url.
    const payload = readFileSync(join(FIXTURE, 'files/payload.txt'));
    server = createServer((req, res) => {
      if (req.url === '/payload.txt') res.end(payload);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '10.88.0.1', r));
    const port = (server.address() as { port: number }).port;
    mkdirSync(join(tmp, 'bundle/bundle'), { recursive: true });
    writeFileSync(join(tmp, 'bundle/bundle/greeting.txt'), 'hello from the bundle\n');
    expect(spawnSync('tar', ['-C', join(tmp, 'bundle'), '-czf', join(tmp, 'bundle.tar.gz'), 'bundle']).status).toBe(0);
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rack-engine-test', '-f', join(tmp, 'key')]).status).toBe(0);
    extraVars = {
      http_base: `http://10.88.0.1:${port}`,
      payload_sha256: createHash('sha256').update(payload).digest('hex'),
      bundle_path: join(tmp, 'bundle.tar.gz'),
      fetch_dir: fetchDir,
      extra_pubkey: readFileSync(join(tmp, 'key.pub'), 'utf8').trim(),
      reboot_host: REBOOTED,
    };
    // What the play starts from: an old config to back up, a package to remove, a repository to clone.
    await Promise.all(
      NODES.map((n) =>
        nodeOut(
          n,
          `set -e
printf 'setting=old\\n' > /etc/rack.conf
DEBIAN_FRONTEND=noninteractive apt-get install -y -q rack-motd >/dev/null
git init -q /srv/rack-origin && cd /srv/rack-origin && echo v1 > VERSION && git add VERSION
git -c user.name=rack -c user.email=rack@lab.invalid commit -q -m v1`,
        ),
      ),
    );
    bootsBefore = await Promise.all(NODES.map(bootId));
  });

  afterAll(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    rmSync(tmp, { recursive: true, force: true });
    await lab?.release();
  });

  it('the playbook uses every core module', () => {
    const plays = parse(readFileSync(PLAYBOOK, 'utf8')) as { tasks: unknown[]; handlers: unknown[] }[];
    const used = new Set(plays.flatMap((p) => modulesUsed([...p.tasks, ...(p.handlers ?? [])])));
    expect(CORE.filter((m) => !used.has(m))).toEqual([]);
  });

  it('--check on a fresh rack predicts changes and writes nothing to any node', async () => {
    for (const n of NODES) fingerprints.set(n, upperFingerprint(n));
    const r = await go(true);
    expect(r.exitCode).toBe(0);
    for (const n of NODES) {
      expect(r.recap.hosts[n].changed).toBeGreaterThan(20);
      expect(fingerprintDiff(fingerprints.get(n)!, upperFingerprint(n))).toEqual([]);
    }
    expect(await Promise.all(NODES.map(bootId))).toEqual(bootsBefore); // nothing rebooted
    expect(existsSync(fetchDir)).toBe(false);
    expect(await nodeOut('node1', 'cat /etc/rack.conf')).toBe('setting=old');
  });

  it('the first run changes every node for real', async () => {
    const r = await go();
    expect(r.exitCode).toBe(0);
    for (const n of NODES) {
      expect(r.recap.hosts[n].changed).toBeGreaterThan(20);
      expect(r.recap.hosts[n].unreachable).toBe(0);
      expect(r.recap.hosts[n].rescued).toBe(1);
      expect(r.tasks.find((t) => t.host === n && t.task === 'rescued')?.status).toBe('ok');
    }
    // reboot: only the chosen node, back with a new boot id.
    const after = await Promise.all(NODES.map(bootId));
    bootsAfterFirst = after;
    NODES.forEach((n, i) => (n === REBOOTED ? expect(after[i]).not.toBe(bootsBefore[i]) : expect(after[i]).toBe(bootsBefore[i])));
    for (const n of NODES) {
      const facts = await nodeOut(
        n,
        `set -e
cat /etc/rack.conf; ls /etc/rack.conf.*~ | wc -l
rack-hello; dpkg -s rack-motd >/dev/null 2>&1 && echo motd-installed || echo motd-removed
systemctl is-active rack-echo; systemctl is-enabled rack-echo; systemctl is-enabled rack-idle || true
findmnt -n -o FSTYPE /mnt/rack-tmpfs; sysctl -n net.ipv4.tcp_keepalive_time
id -u rackop; getent group rackops | cut -d: -f3; grep -c rack-engine-test /root/.ssh/authorized_keys
stat -c '%U:%G %a' /srv/rack-test/tree/sub/leaf; readlink /srv/rack-test/tree-link; stat -c %a /etc/issue.net
test ! -e /etc/motd && echo motd-absent; cat /srv/rack-test/settings.conf
cat /srv/bundle/greeting.txt /srv/rack-test/payload.txt /srv/rack-test/checkout/VERSION; head -c 15 /etc/issue; echo
cat /etc/hostname; cat /etc/sudoers.d/rackop | tail -1; grep -c 'tcp dport 8099' /etc/rack-nft.conf; cat /srv/rack-test/script-mark`,
      );
      expect(facts.split('\n')).toEqual([
        'setting=new', '1',
        'hello from rack-hello 1.1', 'motd-removed',
        'active', 'enabled', 'masked',
        'tmpfs', '600',
        '2101', '2101', '1',
        'rackop:rackops 644', '/srv/rack-test/tree', '600',
        'motd-absent', 'color=blue', '# BEGIN ANSIBLE MANAGED BLOCK', 'size=large', 'shape=round', '# END ANSIBLE MANAGED BLOCK',
        'hello from the bundle', 'payload served to the nodes', 'v1', 'rack lab Debian',
        `rack-${n}`, 'rackop ALL=(ALL) NOPASSWD:/usr/bin/true', '1', `script ran on ${n} as root with arg hello`,
      ]);
      expect(readFileSync(join(fetchDir, n, 'etc/rack.conf'), 'utf8')).toBe('setting=new\n');
    }
  });

  it('the second run changes nothing on any host', async () => {
    const r = await go();
    expect(r.exitCode).toBe(0);
    for (const n of NODES) expect(r.recap.hosts[n]).toMatchObject({ changed: 0, unreachable: 0 });
    expect(r.tasks.filter((t) => t.status === 'changed').map((t) => `${t.host}: ${t.task}`)).toEqual([]);
    expect(await Promise.all(NODES.map(bootId))).toEqual(bootsAfterFirst); // the reboot is not repeated
  });
});
