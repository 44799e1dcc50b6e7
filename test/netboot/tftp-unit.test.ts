// TFTP server driven in-process: negotiation, refusals, rollover, early terminate, duplicate ACKs,
// loss, and 100,000 fuzzed DHCP and TFTP packets.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { OP, decodeTftp, requestPacket, ackPacket, errorPacket } from '../../src/netboot/tftp/packet.js';
import { TftpServer } from '../../src/netboot/tftp/server.js';
import { memoryFile, type FileResolver } from '../../src/netboot/tftp/files.js';
import { safeRelative, PathRefused } from '../../src/netboot/tftp/files.js';
import { DhcpServer } from '../../src/netboot/dhcp/server.js';
import { encodeDhcp, clientRequest, decodeDhcp, MSG, OPT } from '../../src/netboot/dhcp/packet.js';
import { staticProfiles } from '../../src/netboot/profiles.js';
import type { NetbootEvent } from '../../src/netboot/events.js';
import { MemNet, until } from './memnet.js';

const files = new Map<string, Buffer>([
  ['k.img', randomBytes(100_000)],
  ['big.img', Buffer.alloc(65536 * 8 + 100, 1)], // needs > 65535 blocks at blksize 8
  ['9ffefdef/big.img', Buffer.alloc(65536 * 8 + 100, 2)],
]);
const resolver: FileResolver = {
  async open(name) {
    const rel = safeRelative(name);
    const f = files.get(rel);
    return f ? memoryFile(f) : undefined;
  },
};

function harness() {
  const net = new MemNet();
  const events: NetbootEvent[] = [];
  const server = new TftpServer({ files: resolver, onEvent: (e) => events.push(e), transferSocket: async () => net.socket('10.77.9.1'), giveUpMs: 20_000 }, net.socket('10.77.9.1', 69));
  return { net, events, server };
}

/** A minimal event-driven client: ACKs each window (and re-ACKs after silence), returns the file. */
function fetchFile(net: MemNet, name: string, opts: Record<string, number> = {}, win = 1): Promise<Buffer> {
  const c = net.socket('10.77.9.2');
  return new Promise((resolve, reject) => {
    let blk = 512;
    const parts: Buffer[] = [];
    let expect = 1;
    let server: { port: number; address: string } | undefined;
    const ack = (n: number) => server && c.send(ackPacket(n & 0xffff), server.port, server.address);
    const rrq = requestPacket(OP.RRQ, name, 'octet', opts);
    c.send(rrq, 69, '10.77.9.1');
    const retry = setInterval(() => (server ? ack(expect - 1) : c.send(rrq, 69, '10.77.9.1')), 300);
    const deadline = setTimeout(() => finish(new Error('client timed out')), 100_000);
    const finish = (err?: Error) => {
      clearInterval(retry);
      clearTimeout(deadline);
      c.close();
      if (err) reject(err);
      else resolve(Buffer.concat(parts));
    };
    c.onMessage((msg, from) => {
      server ??= from;
      const p = decodeTftp(msg);
      if (p.op === OP.ERROR) return finish(new Error(`ERROR ${p.code}: ${p.message}`));
      if (p.op === OP.OACK) {
        blk = Number(p.options.get('blksize') ?? 512);
        return ack(0);
      }
      if (p.op !== OP.DATA) return;
      if (p.block !== (expect & 0xffff)) return ack(expect - 1); // out of order: tell the server where we are
      parts.push(Buffer.from(p.data));
      expect++;
      const last = p.data.length < blk;
      if (last || (expect - 1) % win === 0) ack(expect - 1);
      if (last) finish();
    });
  });
}

describe('TFTP server in-process', () => {
  it('serves byte-identical files with negotiated blksize, tsize and windowsize', async () => {
    const h = harness();
    expect((await fetchFile(h.net, 'k.img', { blksize: 1468, tsize: 0, windowsize: 16 }, 16)).equals(files.get('k.img')!)).toBe(true);
    const oack = h.net.log.map((l) => decodeTftp(l.msg)).find((p) => p.op === OP.OACK);
    expect(oack && oack.op === OP.OACK && Object.fromEntries(oack.options)).toEqual({ blksize: '1468', tsize: '100000', windowsize: '16' });
    h.server.close();
  });

  it('caps blksize at 1468 for Ethernet', async () => {
    const h = harness();
    expect((await fetchFile(h.net, 'k.img', { blksize: 8192 })).equals(files.get('k.img')!)).toBe(true);
    const oack = h.net.log.map((l) => decodeTftp(l.msg)).find((p) => p.op === OP.OACK);
    expect(oack?.op === OP.OACK && oack.options.get('blksize')).toBe('1468');
    h.server.close();
  }, 30_000);

  it('refuses traversal and absolute paths; missing files get ERROR 1; writes are refused', async () => {
    expect(() => safeRelative('../x')).toThrow(PathRefused);
    expect(() => safeRelative('/etc/passwd')).toThrow(PathRefused);
    expect(() => safeRelative('a/../../x')).toThrow(PathRefused);
    expect(() => safeRelative('a\\..\\..\\x')).toThrow(PathRefused);
    const h = harness();
    const c = h.net.socket('10.77.9.3');
    const ask = async (pkt: Buffer, n: number) => { c.send(pkt, 69, '10.77.9.1'); return decodeTftp((await until(() => c.inbox[n])).msg); };
    expect(await ask(requestPacket(OP.RRQ, '../k.img', 'octet'), 0)).toMatchObject({ op: OP.ERROR, code: 2 });
    expect(await ask(requestPacket(OP.RRQ, 'nope', 'octet'), 1)).toMatchObject({ op: OP.ERROR, code: 1 });
    expect(await ask(requestPacket(OP.WRQ, 'k.img', 'octet'), 2)).toMatchObject({ op: OP.ERROR, code: 2 });
    h.server.close();
  });

  it('wraps the block counter where clients can take it, refuses cleanly for Pi folders', async () => {
    const h = harness();
    expect((await fetchFile(h.net, 'big.img', { blksize: 8 })).equals(files.get('big.img')!)).toBe(true);
    await expect(fetchFile(h.net, '9ffefdef/big.img', { blksize: 8 })).rejects.toThrow(/ERROR 0: .*blocks/);
    h.server.close();
  }, 60_000);

  it("treats the Pi's early-terminate probe as normal and frees the transfer", async () => {
    const h = harness();
    const c = h.net.socket('10.77.9.4');
    c.send(requestPacket(OP.RRQ, 'k.img', 'octet', { tsize: 0, blksize: 1024 }), 69, '10.77.9.1');
    const oack = await until(() => c.inbox[0]);
    c.send(errorPacket(0, 'Early terminate'), oack.from.port, oack.from.address);
    await until(() => h.events.find((e) => e.type === 'transfer-probe'));
    expect(h.events.some((e) => e.type === 'transfer-failed')).toBe(false);
    await until(() => h.server.activeTransfers === 0);
    h.server.close();
  });

  it('duplicate ACKs cause no duplicate sends (no sorcerer\'s apprentice)', async () => {
    const h = harness();
    const c = h.net.socket('10.77.9.5');
    c.send(requestPacket(OP.RRQ, 'k.img', 'octet'), 69, '10.77.9.1');
    const d1 = await until(() => c.inbox[0]);
    for (let k = 0; k < 5; k++) c.send(ackPacket(1), d1.from.port, d1.from.address);
    await until(() => c.inbox[1]);
    await new Promise((r) => setTimeout(r, 20)); // let the duplicates be processed (the assertion is on what was sent)
    const data2 = h.net.log.filter((l) => l.to.address === '10.77.9.5' && l.msg.readUInt16BE(0) === OP.DATA && l.msg.readUInt16BE(2) === 2);
    expect(data2.length).toBe(1);
    h.server.close();
  });

  // atftp aborts on a second OACK ("unexpected OACK"): a lost ACK 0 must be recovered by the
  // client's own ACK 0 retransmission, not by an OACK resent from our timer.
  it('a lost ACK 0 brings no second OACK; the repeated ACK 0 starts the data', async () => {
    const h = harness();
    const c = h.net.socket('10.77.9.6');
    c.send(requestPacket(OP.RRQ, 'k.img', 'octet', { blksize: 1024 }), 69, '10.77.9.1');
    const oack = await until(() => c.inbox[0]);
    expect(decodeTftp(oack.msg).op).toBe(OP.OACK);
    await new Promise((r) => setTimeout(r, 1500)); // our ACK 0 "was lost": a client retransmits after ~1 s
    expect(c.inbox.length).toBe(1);
    c.send(ackPacket(0), oack.from.port, oack.from.address);
    const d1 = decodeTftp((await until(() => c.inbox[1])).msg);
    expect(d1).toMatchObject({ op: OP.DATA, block: 1 });
    expect(h.net.log.filter((l) => l.to.address === '10.77.9.6' && l.msg.readUInt16BE(0) === OP.OACK).length).toBe(1);
    h.server.close();
  });

  it('a repeated RRQ (lost OACK) is answered by the running transfer with its OACK', async () => {
    const h = harness();
    const c = h.net.socket('10.77.9.7');
    const rrq = requestPacket(OP.RRQ, 'k.img', 'octet', { blksize: 1024, tsize: 0 });
    c.send(rrq, 69, '10.77.9.1');
    const first = await until(() => c.inbox[0]);
    await new Promise((r) => setTimeout(r, 300)); // past the window where an RRQ may have crossed our OACK
    c.send(rrq, 69, '10.77.9.1');
    const second = await until(() => c.inbox[1]);
    expect(decodeTftp(second.msg)).toMatchObject({ op: OP.OACK });
    expect(second.from.port).toBe(first.from.port); // same transfer, not a second one
    expect(h.server.activeTransfers).toBe(1);
    c.send(ackPacket(0), second.from.port, second.from.address);
    expect(decodeTftp((await until(() => c.inbox[2])).msg)).toMatchObject({ op: OP.DATA, block: 1 });
    h.server.close();
  });

  it('completes with 5% loss each way', async () => {
    const h = harness();
    h.net.drop = () => Math.random() < 0.05;
    for (const [opts, win] of [[{ blksize: 512 }, 1], [{ blksize: 1468, windowsize: 8 }, 8]] as const) {
      expect((await fetchFile(h.net, 'k.img', opts, win)).equals(files.get('k.img')!)).toBe(true);
    }
    h.server.close();
  }, 120_000);
});

describe('fuzzing', () => {
  it('100,000 random and mutated DHCP and TFTP packets; both still serve a valid client', async () => {
    const net = new MemNet();
    const events: NetbootEvent[] = [];
    const tftp = new TftpServer({ files: resolver, onEvent: (e) => events.push(e), transferSocket: async () => net.socket('10.77.9.1'), giveUpMs: 2000 }, net.socket('10.77.9.1', 69));
    const profiles = staticProfiles([{ name: 'n1', mac: '52:54:00:12:34:56', boot: 'install', address: '10.77.9.30' }]);
    const dhcp = new DhcpServer({ mode: 'authoritative', serverIp: '10.77.9.1', subnetMask: '255.255.255.0', broadcast: '10.77.9.255', httpPort: 8080, discover: true, profiles, onEvent: (e) => events.push(e) }, { main: net.socket('0.0.0.0', 67) });
    const lan = net.socket('10.77.9.255', 68);
    const fuzzer = net.socket('10.77.9.66', 68);
    const dhcpSeed = encodeDhcp(clientRequest('52:54:00:12:34:56', MSG.DISCOVER, 1, [[OPT.VENDOR_CLASS, Buffer.from('PXEClient:Arch:00000:UNDI:002001')], [OPT.USER_CLASS, Buffer.from('iPXE')]]));
    const tftpSeeds = [requestPacket(OP.RRQ, 'k.img', 'octet', { blksize: 1468, tsize: 0, windowsize: 8, timeout: 1 }), ackPacket(3), errorPacket(0, 'x')];
    const mutate = (seed: Buffer) => {
      const b = Buffer.from(seed);
      const n = 1 + Math.floor(Math.random() * 8);
      for (let k = 0; k < n; k++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      return Math.random() < 0.2 ? b.subarray(0, Math.floor(Math.random() * b.length)) : b;
    };
    for (let i = 0; i < 100_000; i++) {
      const kind = i % 4;
      const pkt = kind === 0 ? randomBytes(Math.floor(Math.random() * 600)) : kind === 1 ? mutate(dhcpSeed) : kind === 2 ? mutate(tftpSeeds[i % 3]) : randomBytes(Math.floor(Math.random() * 40));
      fuzzer.send(pkt, kind === 1 || (kind === 0 && i % 8 === 0) ? 67 : 69, kind === 1 ? '0.0.0.0' : '10.77.9.1');
      if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    lan.inbox.length = 0;
    net.socket('10.77.9.67', 68).send(encodeDhcp(clientRequest('52:54:00:12:34:56', MSG.DISCOVER, 4242)), 67, '0.0.0.0');
    const offer = await until(() => lan.inbox.map((m) => decodeDhcp(m.msg)).find((p) => p.xid === 4242));
    expect(offer.yiaddr).toBe('10.77.9.30');
    expect((await fetchFile(net, 'k.img', { blksize: 1024 })).equals(files.get('k.img')!)).toBe(true);
    tftp.close();
    dhcp.close();
  }, 300_000);
});
