import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/connection/index.js';
import type { Connection } from '../../src/connection/types.js';
import { gatherFacts } from '../../src/facts/gather.js';
import { sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();

describe.skipIf(skip)(`facts over ssh from this host${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let dir: string;
  let conn: Connection;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'rack-facts-ssh-'));
    writeFileSync(join(dir, 'kh'), `${sshd.knownHostsLine}\n`);
    conn = await connect({
      name: 'self',
      connection: 'ssh',
      address: sshd.host,
      port: sshd.port,
      user: 'root',
      keyFile: sshd.keyFile,
      knownHostsFiles: [join(dir, 'kh')],
      trustNewHosts: false,
      connectTimeoutMs: 20_000,
    });
  });
  afterAll(async () => {
    await conn?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gathers the real host facts in one exec', async () => {
    let execs = 0;
    const counting: Connection = {
      name: conn.name,
      exec: (s, o) => (execs++, conn.exec(s, o)),
      get: (p, o) => conn.get(p, o),
      close: () => conn.close(),
    };
    const facts = await gatherFacts(counting);
    expect(execs).toBe(1);
    expect(facts.hostname).toBe(hostname().split('.')[0]);
    expect(facts.kernel).toBe(release());
    expect(facts.architecture).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    expect(facts.processor_count).toBe(Number(execFileSync('nproc', { encoding: 'utf8' })));
    expect(facts.boot_id).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const osId = /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1].replace(/"/g, '');
    expect(facts.distribution).toBe(osId);
    expect(facts.memtotal_mb).toBeGreaterThan(0);
    expect(facts.interfaces?.lo?.ipv4).toContain('127.0.0.1');
    expect(facts.mounts?.some((m) => m.mount === '/')).toBe(true);
    expect(Object.keys(facts.devices ?? {}).length).toBeGreaterThan(0);
    expect(facts.pkg_mgr).toBe('apt');
  });
});
