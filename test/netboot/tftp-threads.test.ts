// Transfer threads over real UDP on 127.0.0.1: files on disk are sent from a thread, generated
// files from the main thread, and both arrive whole. Runs without root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OP, ackPacket, decodeTftp, requestPacket } from '../../src/netboot/tftp/packet.js';
import { TftpServer } from '../../src/netboot/tftp/server.js';
import { TransferPool } from '../../src/netboot/tftp/pool.js';
import { DirectoryResolver, chainResolvers, memoryFile, type FileResolver } from '../../src/netboot/tftp/files.js';
import { bindTransferSocket } from '../../src/netboot/tftp/transfer.js';
import { bindUdp } from '../../src/netboot/dhcp/socket.js';
import type { NetbootEvent } from '../../src/netboot/events.js';

/** Lock-step (or windowed) fetch from 127.0.0.1:port. */
function fetchTftp(port: number, file: string, windowsize = 1): Promise<{ data: Buffer }> {
  const sock = dgram.createSocket('udp4');
  const parts: Buffer[] = [];
  let next = 1;
  return new Promise((resolve, reject) => {
    const fail = setTimeout(() => { sock.close(); reject(new Error(`no answer for ${file}`)); }, 30_000);
    sock.on('message', (msg, from) => {
      const p = decodeTftp(msg);
      if (p.op === OP.ERROR) { clearTimeout(fail); sock.close(); return reject(new Error(`ERROR ${p.code}: ${p.message}`)); }
      if (p.op === OP.OACK) return void sock.send(ackPacket(0), from.port, '127.0.0.1');
      if (p.op !== OP.DATA || p.block !== (next & 0xffff)) return;
      parts.push(p.data);
      next++;
      const last = p.data.length < 1468;
      if (last || (next - 1) % windowsize === 0) sock.send(ackPacket((next - 1) & 0xffff), from.port, '127.0.0.1', () => {
        if (!last) return;
        clearTimeout(fail);
        sock.close();
        resolve({ data: Buffer.concat(parts) });
      });
    });
    sock.bind(0, '127.0.0.1', () => sock.send(requestPacket(OP.RRQ, file, 'octet', { blksize: 1468, windowsize, tsize: 0 }), port, '127.0.0.1'));
  });
}

describe('TFTP transfer threads', () => {
  let dir: string;
  let server: TftpServer;
  let pool: TransferPool;
  let port: number;
  const mainEvents: NetbootEvent[] = [];
  /** What the pool forwards from its threads. */
  const threadEvents: NetbootEvent[] = [];
  const done = (list: NetbootEvent[], file: string) => list.filter((e) => e.type === 'transfer-done' && e.file === file).length;
  const disk = randomBytes(2_000_000 + 3);
  const generated = Buffer.from('# generated on the main thread\n'.repeat(100));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rk-tftp-threads-'));
    writeFileSync(path.join(dir, 'disk.img'), disk);
    const gen: FileResolver = { open: async (name) => (name === 'gen.txt' ? memoryFile(generated) : undefined) };
    pool = new TransferPool(2, '127.0.0.1', (e) => threadEvents.push(e));
    const main = await bindUdp(0, '127.0.0.1');
    port = main.address().port;
    server = new TftpServer({ files: chainResolvers(gen, new DirectoryResolver(dir)), onEvent: (e) => mainEvents.push(e), transferSocket: (peer) => bindTransferSocket('127.0.0.1', peer), pool }, main);
  });

  afterAll(() => {
    server?.close();
    pool?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('six concurrent fetches of a file on disk arrive whole, with their events forwarded from the threads', async () => {
    const got = await Promise.all([1, 1, 1, 8, 8, 16].map((w) => fetchTftp(port, 'disk.img', w)));
    for (const g of got) expect(g.data.equals(disk)).toBe(true);
    // The client has everything once it sends the last ACK; the thread's 'done' follows it.
    for (const deadline = Date.now() + 10_000; done(threadEvents, 'disk.img') < 6 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    expect(done(threadEvents, 'disk.img')).toBe(6);
    expect(done(mainEvents, 'disk.img')).toBe(0);
    expect([...mainEvents, ...threadEvents].filter((e) => e.type === 'transfer-failed' || e.type === 'error')).toEqual([]);
  }, 60_000);

  it('a generated file is served from the main thread, and a missing one gets ERROR 1', async () => {
    expect((await fetchTftp(port, 'gen.txt')).data.equals(generated)).toBe(true);
    for (const deadline = Date.now() + 10_000; done(mainEvents, 'gen.txt') < 1 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    expect([done(mainEvents, 'gen.txt'), done(threadEvents, 'gen.txt')]).toEqual([1, 0]);
    await expect(fetchTftp(port, 'nope.img')).rejects.toThrow(/ERROR 1/);
  }, 60_000);
});
