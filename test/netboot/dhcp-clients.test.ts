// Real DHCP clients (dhclient, busybox udhcpc) against `rack netboot --mode authoritative` in namespaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { have, isRoot, makePair, serveInNs, sh, type NsPair, type Served } from './netns.js';

const missing = !isRoot ? 'needs root (network namespaces)' : !have('dhclient') ? 'needs isc-dhcp-client' : !have('busybox') ? 'needs busybox' : '';

describe.skipIf(missing !== '')(`DHCP clients in authoritative mode ${missing}`, () => {
  let pair: NsPair;
  let served: Served;
  let dir: string;
  const reserved = '10.77.1.50';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rk-nb-dhcp-'));
    pair = makePair('dhcp', 1, { clientAddress: false, clientMac: '02:77:01:00:00:02' });
    writeFileSync(path.join(dir, 'hosts.json'), JSON.stringify([
      { name: 'node1', vars: { mac: '02:77:01:00:00:02', ansible_host: reserved } },
      { name: 'nomac', vars: { ansible_host: '10.77.1.60' } },
    ]));
    served = serveInNs(pair.server, path.join(dir, 'hosts.json'), ['--mode', 'authoritative', '--interface', pair.serverIf, '--images', dir, '--http-port', '8080']);
    await served.waitFor((e) => e.type === 'listening' && e.proto === 'dhcp');
  });

  afterAll(async () => {
    for (const f of pidFiles) stopDhclient(f);
    await served?.stop();
    pair?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pidFiles: string[] = [];
  const stopDhclient = (pidFile: string) => {
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0) try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
  };

  const dhclient = (tag: string): { rc: number; lease: string } => {
    const conf = path.join(dir, `${tag}.conf`);
    writeFileSync(conf, 'timeout 20;\nretry 1;\n');
    const lease = path.join(dir, `${tag}.leases`);
    const pidFile = path.join(dir, `${tag}.pid`);
    // -1: one attempt; on success dhclient daemonizes, so stdio must not be a pipe we wait on.
    const r = spawnSync('ip', ['netns', 'exec', pair.client, 'dhclient', '-1', '-cf', conf, '-lf', lease, '-pf', pidFile, '-sf', '/bin/true', pair.clientIf], { stdio: 'ignore', timeout: 90_000 });
    // The daemonized dhclient writes its pid file just after the parent exits: wait for it, then stop it.
    for (let k = 0; k < 50 && r.status === 0 && !existsSync(pidFile); k++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    pidFiles.push(pidFile);
    stopDhclient(pidFile);
    return { rc: r.status ?? 1, lease: existsSync(lease) ? readFileSync(lease, 'utf8') : '' };
  };

  const udhcpc = (tag: string): { rc: number; ip: string } => {
    const script = path.join(dir, `${tag}.sh`);
    const out = path.join(dir, `${tag}.ip`);
    writeFileSync(script, `#!/bin/sh\n[ "$1" = bound ] && echo "$ip" > ${out}\nexit 0\n`);
    chmodSync(script, 0o755);
    let rc = 0;
    try {
      pair.exec(pair.client, ['busybox', 'udhcpc', '-i', pair.clientIf, '-n', '-q', '-f', '-t', '3', '-T', '2', '-s', script]);
    } catch (err) {
      rc = (err as { status: number }).status ?? 1;
    }
    return { rc, ip: existsSync(out) ? readFileSync(out, 'utf8').trim() : '' };
  };

  it('dhclient gets its reserved address', () => {
    const r = dhclient('known');
    expect(r.rc).toBe(0);
    expect(r.lease).toContain(`fixed-address ${reserved};`);
  }, 120_000);

  it('busybox udhcpc gets its reserved address', () => {
    const r = udhcpc('known');
    expect(r.rc).toBe(0);
    expect(r.ip).toBe(reserved);
  }, 120_000);

  it('a MAC not in the inventory gets nothing', async () => {
    sh('ip', ['-n', pair.client, 'link', 'set', pair.clientIf, 'address', '02:77:01:00:00:99']);
    try {
      const u = udhcpc('unknown');
      expect(u.rc).not.toBe(0);
      expect(u.ip).toBe('');
      const d = dhclient('unknown');
      expect(d.lease).not.toContain('fixed-address');
      // it did reach rack, which stayed silent
      expect(served.events.some((e) => e.type === 'dhcp' && e.mac === '02:77:01:00:00:99')).toBe(false);
    } finally {
      sh('ip', ['-n', pair.client, 'link', 'set', pair.clientIf, 'address', '02:77:01:00:00:02']);
    }
  }, 120_000);
});
