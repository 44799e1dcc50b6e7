// Real TFTP clients (atftp, tftp-hpa, curl) against `rack netboot` in namespaces, clean and with 5% loss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { have, isRoot, makePair, serveInNs, sh, type NsPair, type Served } from './netns.js';

const missing = !isRoot ? 'needs root (network namespaces)' : ['atftp', 'tftp', 'curl', 'nft'].filter((t) => !have(t)).map((t) => `needs ${t}`).join(', ');

describe.skipIf(missing !== '')(`TFTP clients ${missing}`, () => {
  let pair: NsPair;
  let served: Served;
  let dir: string;
  let content: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rk-nb-tftp-'));
    mkdirSync(path.join(dir, 'root', 'sub'), { recursive: true });
    content = randomBytes(300_000 + 7); // not a multiple of any block size
    writeFileSync(path.join(dir, 'root', 'sub', 'kernel.img'), content);
    writeFileSync(path.join(dir, 'root', 'exact.bin'), content.subarray(0, 1024 * 40)); // ends on a block boundary
    writeFileSync(path.join(dir, 'hosts.json'), '[]');
    pair = makePair('tftp', 2);
    served = serveInNs(pair.server, path.join(dir, 'hosts.json'), ['--interface', pair.serverIf, '--images', dir, '--tftp-root', path.join(dir, 'root'), '--http-port', '8080']);
    await served.waitFor((e) => e.type === 'listening' && e.proto === 'tftp');
  });

  afterAll(async () => {
    await served?.stop();
    pair?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  const fetch = (client: 'atftp' | 'tftp-hpa' | 'curl', file: string, opts: { blksize?: number; windowsize?: number } = {}): Buffer => {
    const out = path.join(dir, `out-${n++}`);
    let cmd: string[];
    if (client === 'atftp') {
      cmd = ['atftp', '--tftp-timeout', '1', ...(opts.blksize ? ['--option', `blksize ${opts.blksize}`] : []), ...(opts.windowsize ? ['--option', `windowsize ${opts.windowsize}`] : []), '-g', '-r', file, '-l', out, pair.serverIp];
    } else if (client === 'tftp-hpa') {
      cmd = ['tftp', '-m', 'binary', pair.serverIp, '-c', 'get', file, out];
    } else {
      cmd = ['curl', '-sS', '--fail', '--max-time', '120', ...(opts.blksize ? ['--tftp-blksize', String(opts.blksize)] : []), '-o', out, `tftp://${pair.serverIp}/${file}`];
    }
    const r = spawnSync('ip', ['netns', 'exec', pair.client, ...cmd], { encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr}`);
    return readFileSync(out);
  };

  /** `count` atftp clients at once; resolves with each one's output file. */
  const crowd = (on: NsPair, count: number): Promise<Buffer[]> => Promise.all(Array.from({ length: count }, () => {
    const out = path.join(dir, `out-${n++}`);
    const p = spawn('ip', ['netns', 'exec', on.client, 'atftp', '--tftp-timeout', '1', '--option', 'blksize 1468', '-g', '-r', 'sub/kernel.img', '-l', out, on.serverIp], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise<Buffer>((resolve, reject) => p.once('exit', (code) => (code === 0 ? resolve(readFileSync(out)) : reject(new Error(`atftp exited ${code}: ${stderr}`)))));
  }));

  // Files on disk are sent from transfer threads; --tftp-threads 0 keeps them on the main thread.
  it('12 clients at once from the transfer threads: byte-identical', async () => {
    const got = await crowd(pair, 12);
    expect(got.filter((b) => b.equals(content))).toHaveLength(12);
    expect(served.events.filter((e) => e.type === 'transfer-done' && e.file === 'sub/kernel.img').length).toBeGreaterThanOrEqual(12);
  }, 120_000);

  it('12 clients at once with --tftp-threads 0: byte-identical', async () => {
    const other = makePair('tftp0', 3);
    const main = serveInNs(other.server, path.join(dir, 'hosts.json'), ['--interface', other.serverIf, '--images', dir, '--tftp-root', path.join(dir, 'root'), '--http-port', '8080', '--tftp-threads', '0']);
    try {
      await main.waitFor((e) => e.type === 'listening' && e.proto === 'tftp');
      const got = await crowd(other, 12);
      expect(got.filter((b) => b.equals(content))).toHaveLength(12);
    } finally {
      await main.stop();
      other.cleanup();
    }
  }, 120_000);

  const matrix: Array<[number, number]> = [];
  for (const b of [512, 1024, 1468]) for (const w of [1, 8, 16]) matrix.push([b, w]);

  it.each(matrix)('atftp blksize %i windowsize %i: byte-identical', (blksize, windowsize) => {
    expect(fetch('atftp', 'sub/kernel.img', { blksize, windowsize }).equals(content)).toBe(true);
  }, 180_000);

  it.each([512, 1024, 1468])('curl blksize %i: byte-identical', (blksize) => {
    expect(fetch('curl', 'sub/kernel.img', { blksize }).equals(content)).toBe(true);
  }, 180_000);

  it('tftp-hpa (RFC 1350, no options): byte-identical, also on a block boundary', () => {
    expect(fetch('tftp-hpa', 'sub/kernel.img').equals(content)).toBe(true);
    expect(fetch('tftp-hpa', 'exact.bin').equals(content.subarray(0, 1024 * 40))).toBe(true);
  }, 180_000);

  it('missing files get ERROR 1, traversal and absolute paths are refused', async () => {
    const r = spawnSync('ip', ['netns', 'exec', pair.client, 'curl', '-sS', `tftp://${pair.serverIp}/nope.bin`, '-o', '/dev/null'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    await served.waitFor((e) => e.type === 'file-missing' && e.file === 'nope.bin', 10_000);
    for (const bad of ['../hosts.json', '/etc/passwd', 'sub/../../hosts.json']) {
      expect(() => fetch('atftp', bad)).toThrow();
      await served.waitFor((e) => e.type === 'refused' && e.file === bad, 10_000);
    }
  }, 60_000);

  // atftp aborts on a second OACK ("unexpected OACK"), so the start of a transfer must be recovered
  // by the client's own retransmissions: a lost OACK by its repeated RRQ, a lost ACK 0 by its repeated ACK 0.
  describe('the first OACK and the first ACK 0 lost', () => {
    const table = 'rk_first';
    const rules = (match: string) => `table inet ${table} {\n chain in { type filter hook input priority 0; ${match} numgen inc mod 2 0 counter drop; }\n}\n`;
    const drops = (ns: string) => [...sh('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', table]).matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    const clear = () => {
      for (const ns of [pair.client, pair.server]) {
        try { sh('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', table]); } catch { /* not there */ }
      }
    };
    afterAll(clear);

    it.each([[1024, 1], [1468, 8]])('atftp blksize %i windowsize %i completes', (blksize, windowsize) => {
      clear(); // fresh counters: each rule drops exactly its first match
      sh('ip', ['netns', 'exec', pair.client, 'nft', '-f', '-'], { input: rules('udp sport != 69 @th,64,16 0x0006') }); // OACK
      sh('ip', ['netns', 'exec', pair.server, 'nft', '-f', '-'], { input: rules('udp dport != 69 @th,64,32 0x00040000') }); // ACK 0
      expect(fetch('atftp', 'sub/kernel.img', { blksize, windowsize }).equals(content)).toBe(true);
      expect([drops(pair.client), drops(pair.server)]).toEqual([[1], [1]]);
    }, 120_000);
  });

  describe('with 5% packet loss in the client namespace', () => {
    // Drop one in twenty UDP packets on input at both ends: dropping on output would make the
    // sender's sendto() fail (EPERM) instead of simulating a lossy link.
    const lossTable = 'table inet rk_loss {\n chain in { type filter hook input priority 0; meta l4proto udp numgen random mod 20 0 drop; }\n}\n';
    beforeAll(() => {
      for (const ns of [pair.client, pair.server]) sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: lossTable });
    });
    afterAll(() => {
      for (const ns of [pair.client, pair.server]) {
        try { sh('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'rk_loss']); } catch { /* namespace gone */ }
      }
    });

    it.each([[512, 1], [1024, 1], [1024, 8], [1468, 16]])('atftp blksize %i windowsize %i completes', (blksize, windowsize) => {
      expect(fetch('atftp', 'sub/kernel.img', { blksize, windowsize }).equals(content)).toBe(true);
    }, 300_000);

    it('curl blksize 1468 completes', () => {
      expect(fetch('curl', 'sub/kernel.img', { blksize: 1468 }).equals(content)).toBe(true);
    }, 300_000);

    it('tftp-hpa completes', () => {
      expect(fetch('tftp-hpa', 'sub/kernel.img').equals(content)).toBe(true);
    }, 300_000);
  });
});
