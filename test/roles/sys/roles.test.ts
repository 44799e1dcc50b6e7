// rack's system roles on the virtual rack: real effects inside the nodes, then a second run
// with nothing to change and a --check run predicting nothing.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeExec, requireLab, useLab, type LabHandle } from '../../helpers/lab.js';
import { describeTasks, playbookFile, runPlay } from './helpers.js';

const skip = requireLab();
const LONG = 900_000;

/** Run, then run again (0 changed) and in check mode (nothing predicted). */
async function converge(pb: string, inv: string, extraVars?: Record<string, unknown>) {
  const first = await runPlay(pb, inv, { extraVars });
  expect(first.failed, describeTasks(first.failed)).toEqual([]);
  expect(first.exitCode).toBe(0);
  const second = await runPlay(pb, inv, { extraVars });
  expect(second.changed, describeTasks(second.changed)).toEqual([]);
  expect(second.exitCode).toBe(0);
  const check = await runPlay(pb, inv, { extraVars, check: true });
  expect(check.changed, describeTasks(check.changed)).toEqual([]);
  expect(check.exitCode).toBe(0);
  return first;
}

const sh = async (node: string, cmd: string) => {
  const r = await nodeExec(node, cmd);
  if (r.rc !== 0) throw new Error(`${node}: ${cmd} failed (rc ${r.rc}): ${r.stderr}`);
  return r.stdout.trim();
};

describe.skipIf(!!skip)(`system roles on the virtual rack${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: LabHandle;
  const cleanups: Array<() => void> = [];
  beforeAll(async () => {
    lab = await useLab({ nodes: 3 });
  }, LONG);
  afterAll(async () => {
    for (const c of cleanups) c();
    await lab?.release();
  }, LONG);

  it('base and kernel: hosts, users, SSH hardening, time sync config, forwarding; idempotent', async () => {
    const pb = playbookFile('- hosts: lab\n  roles: [base, kernel]\n');
    cleanups.push(pb.remove);
    await converge(pb.path, lab.inventoryPath);
    expect(await sh('node1', 'grep -A4 "BEGIN rack hosts" /etc/hosts')).toMatch(/10\.88\.0\.12\tnode2/);
    expect(await sh('node1', 'id -u rack && cat /etc/sudoers.d/rack-rack')).toMatch(/NOPASSWD/);
    expect(await sh('node2', 'cat /etc/ssh/sshd_config.d/10-rack-hardening.conf')).toMatch(/PasswordAuthentication no/);
    expect(await sh('node2', 'sshd -T | grep -i "^passwordauthentication"')).toBe('passwordauthentication no');
    expect(await sh('node3', 'cat /etc/systemd/timesyncd.conf.d/rack.conf')).toMatch(/^NTP=/m);
    expect(await sh('node3', 'cat /proc/sys/net/ipv4/ip_forward /etc/sysctl.d/90-rack.conf')).toMatch(/^1\n[^]*net\.ipv4\.ip_forward\s*=\s*1/);
  }, LONG);

  it('btrfs on the node loop disk: subvolumes mounted with compress=zstd, snapshots with retention; idempotent', async () => {
    const pb = playbookFile('- hosts: lab\n  roles: [btrfs]\n');
    cleanups.push(pb.remove);
    await converge(pb.path, lab.inventoryPath);
    const m = await sh('node1', 'findmnt -n -o FSTYPE,OPTIONS /data');
    expect(m).toMatch(/^btrfs .*compress=zstd/);
    expect(m).toMatch(/noatime/);
    expect(await sh('node1', 'grep " /data " /etc/fstab')).toMatch(/subvol=data/);
    for (let i = 0; i < 5; i++) await sh('node1', 'touch /data/f$RANDOM && /usr/local/sbin/rack-btrfs-snapshot data && sleep 1');
    expect((await sh('node1', 'ls -1 /mnt/btrfs-pool/.snapshots/data')).split('\n')).toHaveLength(3); // btrfs_snapshot_keep in group_vars/lab.yml
    expect(await sh('node1', 'systemctl is-enabled rack-btrfs-snapshot.timer')).toBe('enabled');
  }, LONG);

  it('btrfs refuses a device holding another filesystem (an ext4 image file) unless wiping is allowed', async () => {
    await sh('node2', 'truncate -s 32M /root/rack-ext4.img && mkfs.ext4 -q -F /root/rack-ext4.img');
    const pb = playbookFile('- hosts: node2\n  roles: [btrfs]\n');
    cleanups.push(pb.remove);
    const r = await runPlay(pb.path, lab.inventoryPath, { extraVars: { btrfs_device: '/root/rack-ext4.img', btrfs_allow_wipe: false } });
    expect(r.exitCode).toBe(2);
    expect(r.failed.map((t) => t.msg).join('\n')).toMatch(/holds TYPE=.?ext4[^]*btrfs_allow_wipe is false: nothing was touched/);
    expect(await sh('node2', 'blkid -p -o value -s TYPE /root/rack-ext4.img; rm -f /root/rack-ext4.img')).toBe('ext4');
  }, LONG);

  it('lxc: a container from a rootfs tarball the test builds (busybox), stopped then absent; idempotent', async () => {
    const images = mkdtempSync(join(tmpdir(), 'rack-lxc-'));
    cleanups.push(() => rmSync(images, { recursive: true, force: true }));
    const root = join(images, 'root');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'sbin'), { recursive: true });
    const tar = await nodeExec('node1', 'true'); // node reachable
    expect(tar.rc).toBe(0);
    const { execFileSync } = await import('node:child_process');
    execFileSync('sh', ['-c', `cp /bin/busybox ${root}/bin/ && for l in $(ldd /bin/busybox | grep -o '/[^ ]*'); do mkdir -p ${root}$(dirname $l) && cp -L $l ${root}$l; done && ln -s ../bin/busybox ${root}/sbin/init && tar -C ${root} -cf ${images}/busybox.tar .`]);
    const containers = (state: string) => [{ name: 'tiny', template: 'local', rootfs: 'busybox.tar', state, limits: { memory: '64M', cpus: 1 } }];
    const pb = playbookFile('- hosts: node1\n  roles: [lxc]\n');
    cleanups.push(pb.remove);
    await converge(pb.path, lab.inventoryPath, { lxc_images_dir: images, lxc_containers: containers('stopped') });
    expect(await sh('node1', 'lxc-ls -1')).toMatch(/^tiny$/m);
    expect(await sh('node1', 'lxc-info -n tiny -s -H')).toBe('STOPPED');
    expect(await sh('node1', 'cat /var/lib/lxc/tiny/rack.conf')).toMatch(/memory\.max = 64M/);
    await converge(pb.path, lab.inventoryPath, { lxc_images_dir: images, lxc_containers: containers('absent') });
    expect(await sh('node1', 'lxc-ls -1')).not.toMatch(/^tiny$/m);
  }, LONG);

  it('minio with a stand-in binary the test builds (answers the health check): placed, unit running, erasure-coded volumes rendered', async () => {
    const images = mkdtempSync(join(tmpdir(), 'rack-img-'));
    cleanups.push(() => rmSync(images, { recursive: true, force: true }));
    // Not MinIO: a few lines that answer MinIO's liveness URL, so the unit and the health check run for real.
    const fake = [
      '#!/bin/sh',
      '# stand-in for minio, built by the test',
      'port=9000',
      'while [ $# -gt 0 ]; do case "$1" in --address) port=${2#:}; shift;; esac; shift; done',
      `exec python3 -c 'import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/minio/health/live" else 404)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()' "$port"`,
      '',
    ].join('\n');
    mkdirSync(join(images, 'minio/amd64'), { recursive: true });
    writeFileSync(join(images, 'minio/amd64/minio'), fake);
    const sum = createHash('sha256').update(fake).digest('hex');
    writeFileSync(join(images, 'manifest.yml'), `artifacts:\n  - { name: minio-amd64, kind: minio-binary, url: 'https://example.invalid/minio', sha256: ${sum}, dest: minio/amd64/minio }\n`);
    const pb = playbookFile('- hosts: lab\n  roles: [minio]\n');
    cleanups.push(pb.remove);
    // minio_volumes empty: the volumes are generated from the group (group_vars/lab.yml gives the {1...3} form).
    await converge(pb.path, lab.inventoryPath, { minio_images_dir: images, minio_root_password: 'stand-in-secret-42', minio_volumes: '', minio_skip_without_images: false });
    for (const n of ['node1', 'node2', 'node3']) {
      expect(await sh(n, "sha256sum /usr/local/bin/minio | cut -d' ' -f1")).toBe(sum);
      expect(await sh(n, 'systemctl is-active minio')).toBe('active');
      expect(await sh(n, 'curl -fsS -o /dev/null -w "%{http_code}" http://127.0.0.1:9000/minio/health/live')).toBe('200');
      expect(await sh(n, 'stat -c %a /etc/default/minio')).toBe('600');
    }
    expect(await sh('node2', 'cat /etc/default/minio')).toContain(
      'MINIO_VOLUMES="http://node1:9000/data/minio http://node2:9000/data/minio http://node3:9000/data/minio"',
    );
    for (const n of ['node1', 'node2', 'node3']) await sh(n, 'systemctl disable --now minio');
  }, LONG);

  it('k3s with a fake k3s binary the test builds (a shell script, sha256 in a test manifest): placed, configs and units rendered', async () => {
    const images = mkdtempSync(join(tmpdir(), 'rack-img-'));
    cleanups.push(() => rmSync(images, { recursive: true, force: true }));
    const fake = '#!/bin/sh\n# fake k3s built by the test\necho fake-k3s "$@"\n';
    const files: Record<string, string> = { 'k3s/amd64/k3s': fake, 'k3s/amd64/airgap.tar.zst': 'not really images\n', 'cilium/chart.tgz': 'not really a chart\n' };
    const names: Record<string, string> = { 'k3s/amd64/k3s': 'k3s-amd64', 'k3s/amd64/airgap.tar.zst': 'k3s-airgap-images-amd64', 'cilium/chart.tgz': 'cilium-chart' };
    let manifest = 'artifacts:\n';
    for (const [dest, text] of Object.entries(files)) {
      mkdirSync(join(images, dest, '..'), { recursive: true });
      writeFileSync(join(images, dest), text);
      manifest += `  - { name: ${names[dest]}, kind: k3s-binary, url: 'https://example.invalid/${dest}', sha256: ${createHash('sha256').update(text).digest('hex')}, dest: ${dest} }\n`;
    }
    writeFileSync(join(images, 'manifest.yml'), manifest);
    const pb = playbookFile('- hosts: lab\n  roles: [k3s]\n');
    cleanups.push(pb.remove);
    // The fake binary cannot serve the API: staged (k3s_start: false), placement checked directly.
    const vars = { k3s_images_dir: images, k3s_start: false };
    await converge(pb.path, lab.inventoryPath, vars);
    expect(await sh('node1', 'cat /etc/rancher/k3s/config.yaml')).toMatch(/cluster-init: true[^]*flannel-backend: none/);
    expect(await sh('node2', 'cat /etc/rancher/k3s/config.yaml')).toMatch(/server: https:\/\/10\.88\.0\.11:6443/);
    expect(await sh('node1', 'cat /var/lib/rancher/k3s/server/manifests/rack-cilium-bgp.yaml')).toMatch(/kind: CiliumBGPClusterConfig/);
    const placed = createHash('sha256').update(fake).digest('hex');
    expect(await sh('node2', "sha256sum /usr/local/bin/k3s | cut -d' ' -f1")).toBe(placed);
    expect(await sh('node2', '/usr/local/bin/k3s --version')).toBe('fake-k3s --version');
    expect(await sh('node1', 'systemctl is-active k3s || true')).not.toBe('active'); // staged, not started
    expect(await sh('node1', 'systemctl cat k3s.service')).toMatch(/ExecStart=\/usr\/local\/bin\/k3s server/);
    // Damage the artifact: the run fails naming the file and the fetch command.
    writeFileSync(join(images, 'k3s/amd64/k3s'), fake + '# tampered\n');
    const bad = await runPlay(pb.path, lab.inventoryPath, { extraVars: { k3s_images_dir: images, k3s_skip_without_images: false } });
    expect(bad.exitCode).toBe(2);
    expect(bad.failed.map((t) => t.msg).join('\n')).toMatch(/k3s-amd64 bad checksum[^]*k3s\/amd64\/k3s[^]*npx rack images fetch k3s-amd64/);
    rmSync(join(images, 'k3s/amd64/k3s'));
    const missing = await runPlay(pb.path, lab.inventoryPath, { extraVars: { k3s_images_dir: images, k3s_skip_without_images: false } });
    expect(missing.failed.map((t) => t.msg).join('\n')).toMatch(/k3s-amd64 missing[^]*npx rack images fetch k3s-amd64/);
  }, LONG);

  it('site.yml on 3 nodes twice: the second run changes nothing; backup ships data and restore.yml brings it back', async () => {
    const site = join(import.meta.dirname, '../../../playbooks/site.yml');
    const first = await runPlay(site, lab.inventoryPath);
    expect(first.failed, describeTasks(first.failed)).toEqual([]);
    expect(first.exitCode).toBe(0);
    const second = await runPlay(site, lab.inventoryPath);
    expect(second.changed, describeTasks(second.changed)).toEqual([]);
    expect(second.exitCode).toBe(0);
    await sh('node1', 'echo precious > /data/precious.txt && /usr/local/sbin/rack-backup');
    expect(await sh('node3', 'cat /srv/rack-backup/node1/data/*/precious.txt')).toBe('precious');
    await sh('node1', 'rm /data/precious.txt');
    const restore = join(import.meta.dirname, '../../../playbooks/restore.yml');
    const r = await runPlay(restore, lab.inventoryPath, { extraVars: { restore_host: 'node1', restore_subvolume: 'data', restore_dest: '/data/' } });
    expect(r.failed, describeTasks(r.failed)).toEqual([]);
    expect(await sh('node1', 'cat /data/precious.txt')).toBe('precious');
  }, LONG);
});
