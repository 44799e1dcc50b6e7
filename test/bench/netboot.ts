/**
 * Netboot bench: rack's TFTP server against dnsmasq (54 concurrent atftp clients fetching 25 MB,
 * blksize 1468), one client with windowsize 16 against lock-step over a link with latency, and
 * DHCP DISCOVER-to-ACK cycles per second. Prints figures, asserts nothing about speed.
 *
 * Run as `tsx test/bench/netboot.ts --client HOST FILE BLKSIZE WINDOW ACK_DELAY_MS` it is the
 * in-process TFTP client (started inside the client namespace) and prints one JSON line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OP, ackPacket, decodeTftp, requestPacket } from '../../src/netboot/tftp/packet.js';
import { DhcpServer } from '../../src/netboot/dhcp/server.js';
import { bindUdp, type DatagramSocket } from '../../src/netboot/dhcp/socket.js';
import { MSG, OPT, clientRequest, decodeDhcp, encodeDhcp, msgTypeOf } from '../../src/netboot/dhcp/packet.js';
import { staticProfiles } from '../../src/netboot/profiles.js';
import { have, isRoot, makePair, repoRoot, serveInNs, sh, stopChild, type NsPair, type Served } from '../netboot/netns.js';

type Log = (line: string) => void;

const MB = 1e6;
const CLIENTS = 54;
const BIG = 25 * MB;
const MID = 4 * MB;
const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------------------------------------
// In-process TFTP client: ACKs each window (optionally after a delay standing in for link latency).

interface FetchResult { bytes: number; ms: number }

function fetchTftp(host: string, file: string, blksize: number, windowsize: number, ackDelayMs: number): Promise<FetchResult> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let peer: { port: number; address: string } | undefined;
    let blk = 512;
    let win = 1;
    let next = 1; // absolute block number expected
    let bytes = 0;
    let lastAcked = -1;
    const rrq = requestPacket(OP.RRQ, file, 'octet', { blksize, windowsize, tsize: 0 });
    const sendAck = (n: number) => {
      lastAcked = n;
      const pkt = ackPacket(n & 0xffff);
      const go = () => peer && !closed && sock.send(pkt, peer.port, peer.address);
      if (ackDelayMs > 0) setTimeout(go, ackDelayMs);
      else go();
    };
    let quiet = setTimeout(function retry() {
      if (peer) sendAck(next - 1);
      else sock.send(rrq, 69, host);
      quiet = setTimeout(retry, 500);
    }, 500);
    let closed = false;
    const done = (err?: Error) => {
      if (closed) return;
      closed = true;
      clearTimeout(quiet);
      sock.close();
      if (err) reject(err);
      else resolve({ bytes, ms: performance.now() - t0 });
    };
    sock.on('message', (msg, from) => {
      peer ??= { port: from.port, address: from.address };
      let p;
      try { p = decodeTftp(msg); } catch { return; }
      if (p.op === OP.ERROR) return done(new Error(`server error ${p.code}: ${p.message}`));
      if (p.op === OP.OACK) {
        blk = Number(p.options.get('blksize') ?? 512);
        win = Number(p.options.get('windowsize') ?? 1);
        if (next === 1) sendAck(0);
        return;
      }
      if (p.op !== OP.DATA) return;
      if (p.block !== (next & 0xffff)) {
        if (lastAcked !== next - 1) sendAck(next - 1); // a gap: tell the server where we are, once
        return;
      }
      bytes += p.data.length;
      next++;
      const last = p.data.length < blk;
      if (last || (next - 1) % win === 0) sendAck(next - 1);
      quiet.refresh();
      if (last) done();
    });
    sock.bind(0, () => sock.send(rrq, 69, host));
  });
}

// ---------------------------------------------------------------------------------------------
// The servers, each in its own pair of namespaces.

function atftp(pair: NsPair, file: string, out: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', pair.client, 'atftp', '--tftp-timeout', '1', '--option', 'blksize 1468', '-g', '-r', file, '-l', out, pair.serverIp], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function exitOf(p: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((r) => p.once('exit', (code) => r({ code, stderr })));
}

/** Polls with a tiny fetch until the server answers. */
async function waitServing(pair: NsPair, dir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = spawnSync('ip', ['netns', 'exec', pair.client, 'atftp', '--tftp-timeout', '1', '-g', '-r', 'ping.txt', '-l', path.join(dir, 'ping.out'), pair.serverIp], { timeout: 20_000 });
    if (r.status === 0) return;
    if (Date.now() > deadline) throw new Error(`TFTP server in ${pair.server} did not answer: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** 54 atftp at once; aggregate MB/s over the wall time until the last one finished. */
async function crowd(pair: NsPair): Promise<number> {
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: CLIENTS }, () => exitOf(atftp(pair, 'big.img', '/dev/null'))));
  const s = (performance.now() - t0) / 1000;
  const bad = runs.filter((r) => r.code !== 0);
  if (bad.length) throw new Error(`${bad.length} of ${CLIENTS} atftp transfers failed: ${bad[0].stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return (CLIENTS * BIG) / MB / s;
}

/** The in-process client, run inside the client namespace. */
function clientInNs(pair: NsPair, file: string, windowsize: number, ackDelayMs: number): FetchResult {
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync('ip', ['netns', 'exec', pair.client, tsx, self, '--client', pair.serverIp, file, '1468', String(windowsize), String(ackDelayMs)], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`client failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function benchTftp(log: Log): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rk-bench-nb-'));
  const root = path.join(dir, 'root');
  mkdirSync(root);
  writeFileSync(path.join(root, 'big.img'), randomBytes(BIG));
  writeFileSync(path.join(root, 'mid.img'), randomBytes(MID));
  writeFileSync(path.join(root, 'ping.txt'), 'ping\n');
  writeFileSync(path.join(dir, 'hosts.json'), '[]');
  let rackPair: NsPair | undefined;
  let dnsPair: NsPair | undefined;
  let rack: Served | undefined;
  let dnsmasq: ChildProcess | undefined;
  try {
    rackPair = makePair('bnr', 31);
    dnsPair = makePair('bnd', 32);
    rack = serveInNs(rackPair.server, path.join(dir, 'hosts.json'), ['--interface', rackPair.serverIf, '--images', dir, '--tftp-root', root, '--http-port', '8093']);
    await rack.waitFor((e) => e.type === 'listening' && e.proto === 'tftp');
    dnsmasq = spawn('ip', ['netns', 'exec', dnsPair.server, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null', '--port=0', '--enable-tftp', `--tftp-root=${root}`,
      `--tftp-max=${CLIENTS * 2}`, `--interface=${dnsPair.serverIf}`, '--bind-interfaces', '--user=root', '--pid-file=', '--quiet-tftp', '--log-facility=-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitServing(rackPair, dir);
    await waitServing(dnsPair, dir);

    // One unmeasured round each first: the page cache, rack's chunk cache and JIT warm up alike.
    await crowd(rackPair);
    await crowd(dnsPair);
    const rackRates: number[] = [];
    const dnsRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rackRates.push(await crowd(rackPair));
      dnsRates.push(await crowd(dnsPair));
      log(`netboot: round ${round + 1}: rack ${rackRates[round].toFixed(1)} MB/s, dnsmasq ${dnsRates[round].toFixed(1)} MB/s`);
    }
    const r = median(rackRates);
    const d = median(dnsRates);
    log(`netboot: TFTP ${CLIENTS} concurrent atftp clients x 25 MB, blksize 1468 (median of ${ROUNDS}): rack ${r.toFixed(1)} MB/s, dnsmasq ${d.toFixed(1)} MB/s, rack/dnsmasq ${(r / d).toFixed(2)}x (target >= 1.0x)`);

    // Latency: netem if the kernel has it, else the client holds each ACK 2 ms (same round-trip cost).
    let ackDelay = 0;
    try {
      sh('ip', ['netns', 'exec', rackPair.client, 'tc', 'qdisc', 'add', 'dev', rackPair.clientIf, 'root', 'netem', 'delay', '2ms']);
    } catch {
      ackDelay = 2;
    }
    const how = ackDelay ? 'client holds each ACK 2 ms (this kernel has no netem)' : 'netem delay 2ms on the client link';
    const lock = clientInNs(rackPair, 'mid.img', 1, ackDelay);
    const wide = clientInNs(rackPair, 'mid.img', 16, ackDelay);
    if (lock.bytes !== MID || wide.bytes !== MID) throw new Error(`short transfer: ${lock.bytes} / ${wide.bytes} of ${MID} bytes`);
    const rate = (f: FetchResult) => f.bytes / MB / (f.ms / 1000);
    log(`netboot: one client, 4 MB, blksize 1468, ${how}: windowsize 1 ${rate(lock).toFixed(2)} MB/s, windowsize 16 ${rate(wide).toFixed(2)} MB/s, speedup ${(lock.ms / wide.ms).toFixed(1)}x (target >= 5x)`);
  } finally {
    await rack?.stop();
    await stopChild(dnsmasq);
    rackPair?.cleanup();
    dnsPair?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// DHCP: an in-process client against rack's DHCP (authoritative) over real UDP on loopback.

async function benchDhcp(log: Log): Promise<void> {
  const hosts = Array.from({ length: CLIENTS }, (_, i) => ({ name: `n${i}`, mac: `02:42:00:00:01:${i.toString(16).padStart(2, '0')}`, boot: 'install' as const, address: `10.77.40.${10 + i}` }));
  const client = await bindUdp(0, '127.0.0.1');
  const real = await bindUdp(0, '127.0.0.1');
  // Replies go to port 68 of the broadcast address; on loopback they are steered to the client's port.
  const steered: DatagramSocket = { ...real, send: (msg, _port, _address, cb) => real.send(msg, client.address().port, '127.0.0.1', cb) };
  const server = new DhcpServer({ mode: 'authoritative', serverIp: '127.0.0.1', subnetMask: '255.255.255.0', broadcast: '127.0.0.1', httpPort: 8080, discover: false, profiles: staticProfiles(hosts), onEvent: () => {} }, { main: steered });
  const serverPort = real.address().port;
  // Waiting exchanges by xid and the reply they wait for. rack sends each reply to two broadcast
  // addresses (limited and subnet), so every answer arrives twice here: the copy is ignored.
  const pending = new Map<string, () => void>();
  client.onMessage((msg) => {
    try {
      const p = decodeDhcp(msg);
      pending.get(`${p.xid}:${msgTypeOf(p)}`)?.();
    } catch { /* not a DHCP packet */ }
  });
  const exchange = (mac: string, type: number, want: number, xid: number, opts: Array<[number, Buffer]> = []) => new Promise<void>((resolve, reject) => {
    const key = `${xid}:${want}`;
    const t = setTimeout(() => { pending.delete(key); reject(new Error(`no ${want === MSG.ACK ? 'ACK' : 'OFFER'} for ${mac} (xid ${xid})`)); }, 5000);
    pending.set(key, () => { clearTimeout(t); pending.delete(key); resolve(); });
    client.send(encodeDhcp(clientRequest(mac, type, xid, opts)), serverPort, '127.0.0.1');
  });
  let xid = 1;
  let cycles = 0;
  const cycle = async (h: (typeof hosts)[number]) => {
    const x = xid++;
    await exchange(h.mac, MSG.DISCOVER, MSG.OFFER, x);
    const ip = Buffer.from(h.address.split('.').map(Number));
    await exchange(h.mac, MSG.REQUEST, MSG.ACK, x, [[OPT.REQUESTED_IP, ip], [OPT.SERVER_ID, Buffer.from([127, 0, 0, 1])]]);
    cycles++;
  };
  try {
    const measure = async (ms: number) => {
      cycles = 0;
      const end = performance.now() + ms;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 16 }, async (_, lane) => {
        for (let k = lane; performance.now() < end; k += 16) await cycle(hosts[k % hosts.length]);
      }));
      return cycles / ((performance.now() - t0) / 1000);
    };
    await measure(500); // warm-up
    const rate = median([await measure(2000), await measure(2000), await measure(2000)]);
    log(`netboot: DHCP authoritative, DISCOVER-OFFER-REQUEST-ACK over loopback UDP, 16 clients in flight: ${Math.round(rate)} cycles/s (median of 3 x 2 s)`);
  } finally {
    server.close();
    client.close();
    real.close();
  }
}

export async function benchNetboot(log: Log): Promise<void> {
  await benchDhcp(log);
  const missing = !isRoot ? ['root (network namespaces)'] : ['atftp', 'dnsmasq'].filter((t) => !have(t));
  if (missing.length) {
    log(`netboot: TFTP benches skipped: needs ${missing.join(', ')}`);
    return;
  }
  await benchTftp(log);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, host, file, blksize, win, delay] = process.argv.slice(2);
  if (flag === '--client') {
    const r = await fetchTftp(host, file, Number(blksize), Number(win), Number(delay));
    console.log(JSON.stringify(r));
  } else {
    await benchNetboot((line) => console.log(line));
  }
}
