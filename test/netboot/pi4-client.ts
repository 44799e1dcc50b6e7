/**
 * A Raspberry Pi 4 EEPROM bootloader, scripted: the DHCP and TFTP sequence of a network boot as
 * /work/shared/reference/netboot-protocols.md describes it, over real UDP. Runs as root inside the
 * Pi's network namespace, whose interface has no IPv4 address until the lease:
 *
 *   tsx test/netboot/pi4-client.ts --iface IF --mac MAC --serial 8HEX [--revision HEX]
 *       [--overlay NAME]... [--dhcp-timeout-ms N] [--file-timeout-ms N] [--save DIR]
 *
 * Prints one JSON line (Pi4Report) and exits 0 when the boot completed (lease, probe, every read).
 * --save DIR keeps every file read, under its TFTP name (a file read twice keeps the last copy).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { MSG, OPT, clientRequest, decodeDhcp, encodeDhcp, ipBytes, macOf, msgTypeOf, type DhcpPacket } from '../../src/netboot/dhcp/packet.js';
import { OP, ackPacket, decodeTftp, errorPacket, requestPacket } from '../../src/netboot/tftp/packet.js';

export interface OfferSeen {
  from: string; // source address of the datagram
  serverId?: string; // option 54
  yiaddr: string;
  siaddr: string;
  tftpServer?: string; // option 66
  piBoot: boolean; // option 43 holds "Raspberry Pi Boot"
  vendorClass?: string;
  broadcastFlag: boolean;
  copies: number; // identical datagrams (a server may answer to two broadcast addresses)
}

export interface TftpStep {
  file: string;
  kind: 'probe' | 'miss' | 'read';
  sourcePort: number;
  ok: boolean;
  ms: number;
  rrqSent: number;
  tsize?: number;
  blksize?: number;
  bytes?: number;
  sha256?: string;
  code?: number; // server ERROR
  message?: string;
  failure?: string; // timeout or protocol trouble on our side
}

export interface Pi4Report {
  ok: boolean;
  error?: string;
  mac: string;
  serial: string;
  dhcp: {
    discovers: number;
    offers: OfferSeen[];
    bootOffer?: OfferSeen;
    addressOffer?: OfferSeen;
    requests: number;
    ack?: { from: string; serverId?: string; yiaddr: string; mask?: string };
    lease?: string; // address/prefix given to the interface
    bootServer?: string;
  };
  tftp: TftpStep[];
}

const PI_MATCH = 'Raspberry Pi Boot';
const DHCP_REQ_TIMEOUT_MS = 4000; // EEPROM DHCP_REQ_TIMEOUT: resend DISCOVER/REQUEST
const RRQ_RETRY_MS = 2000;
const NFT_TABLE = 'rk_pi4_dhcp';

// ------------------------------------------------------------------------------------------------
// DHCP

interface Identity {
  mac: string;
  serial: string;
  revision: number;
}

/** Option 97: 00 + "RPi4" + board revision + low 4 bytes of the MAC + serial. */
function clientUuid(id: Identity): Buffer {
  const b = Buffer.alloc(17);
  b.write('RPi4', 1, 'latin1');
  b.writeUInt32BE(id.revision >>> 0, 5);
  Buffer.from(id.mac.split(':').slice(2).map((h) => parseInt(h, 16))).copy(b, 9);
  Buffer.from(id.serial, 'hex').copy(b, 13);
  return b;
}

/** Options in the EEPROM's order: 53, 55, 93, 94, 97, 60 (then, for a REQUEST, 50 and 54), 255. */
function bootloaderPacket(id: Identity, type: number, xid: number, extra: Array<[number, Buffer]> = []): Buffer {
  const prl = Buffer.from([1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135]);
  const p = clientRequest(id.mac, type, xid, [
    [OPT.PARAM_LIST, prl],
    [OPT.CLIENT_ARCH, Buffer.from([0, 0])],
    [OPT.CLIENT_NDI, Buffer.from([1, 2, 1])],
    [OPT.CLIENT_UUID, clientUuid(id)],
    [OPT.VENDOR_CLASS, Buffer.from('PXEClient:Arch:00000:UNDI:002001', 'latin1')],
    ...extra,
  ]);
  return encodeDhcp(p); // longer than the 300-byte BOOTP minimum, so nothing follows option 255
}

const ipOf = (b: Buffer | undefined) => (b && b.length === 4 ? [...b].join('.') : undefined);

function describeOffer(p: DhcpPacket, from: string): OfferSeen {
  const o43 = p.options.get(OPT.VENDOR_SPECIFIC);
  return {
    from,
    serverId: ipOf(p.options.get(OPT.SERVER_ID)),
    yiaddr: p.yiaddr,
    siaddr: p.siaddr,
    tftpServer: p.options.get(OPT.TFTP_SERVER)?.toString('latin1').replace(/\0+$/, ''),
    piBoot: !!o43 && o43.includes(Buffer.from(PI_MATCH, 'latin1')),
    vendorClass: p.options.get(OPT.VENDOR_CLASS)?.toString('latin1'),
    broadcastFlag: (p.flags & 0x8000) !== 0,
    copies: 1,
  };
}

function sh(cmd: string, args: string[], input?: string): void {
  execFileSync(cmd, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
}

function quietly(fn: () => void): void {
  try { fn(); } catch { /* already undone */ }
}

/**
 * The namespace stands in for the Pi's own network stack. Without an address, Linux can send to
 * 255.255.255.255 only with a route for it, and drops replies unicast to the offered address
 * (RFC 2131 with broadcast flag 0; dnsmasq does this), which the Pi's firmware accepts because
 * they carry its MAC. So, until the lease: a route for the limited broadcast, and an nftables rule
 * handing any DHCP reply that reached this interface to the socket as a broadcast.
 */
function prepareUnconfigured(iface: string): () => void {
  sh('ip', ['route', 'replace', '255.255.255.255/32', 'dev', iface]);
  quietly(() => sh('nft', ['delete', 'table', 'ip', NFT_TABLE]));
  sh('nft', ['-f', '-'], `table ip ${NFT_TABLE} {\n chain pre { type filter hook prerouting priority -300; iifname "${iface}" udp sport 67 udp dport 68 ip daddr != 255.255.255.255 ip daddr set 255.255.255.255; }\n}\n`);
  return () => {
    quietly(() => sh('nft', ['delete', 'table', 'ip', NFT_TABLE]));
    quietly(() => sh('ip', ['route', 'del', '255.255.255.255/32', 'dev', iface]));
  };
}

const prefixOf = (mask: string | undefined) => (mask ? mask.split('.').map(Number).reduce((n, b) => n + (b.toString(2).match(/1/g)?.length ?? 0), 0) : 24);

async function dhcp(id: Identity, report: Pi4Report, overallMs: number, windowMs: number): Promise<void> {
  const sock = dgram.createSocket({ type: 'udp4' });
  await new Promise<void>((r) => sock.bind(68, '0.0.0.0', () => r()));
  sock.setBroadcast(true);
  const d = report.dhcp;
  const xid = randomInt(1, 0x7fffffff);
  const seen = new Map<string, OfferSeen>();
  const send = (buf: Buffer) => sock.send(buf, 67, '255.255.255.255');
  let phase: 'offers' | 'ack' = 'offers';
  let retry: NodeJS.Timeout | undefined;
  let settle: NodeJS.Timeout | undefined;
  let overall: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      overall = setTimeout(() => reject(new Error(phase === 'offers' ? `no usable offer in ${overallMs} ms (an offer needs option 43 "${PI_MATCH}", plus an address from some server)` : `no ACK in ${overallMs} ms`)), overallMs);
      const discover = () => {
        d.discovers++;
        send(bootloaderPacket(id, MSG.DISCOVER, xid));
        retry = setTimeout(discover, DHCP_REQ_TIMEOUT_MS);
      };
      const request = () => {
        d.requests++;
        const a = d.addressOffer!;
        send(bootloaderPacket(id, MSG.REQUEST, xid, [[OPT.REQUESTED_IP, ipBytes(a.yiaddr)], [OPT.SERVER_ID, ipBytes(a.serverId ?? a.from)]]));
        retry = setTimeout(request, DHCP_REQ_TIMEOUT_MS);
      };
      const choose = () => {
        // The Pi ignores offers without its option 43 match for boot information; the address may
        // come from that same offer (rack authoritative) or from another server (rack as proxy).
        const offers = [...seen.values()];
        d.bootOffer = offers.find((o) => o.piBoot && o.yiaddr !== '0.0.0.0') ?? offers.find((o) => o.piBoot);
        d.addressOffer = d.bootOffer && d.bootOffer.yiaddr !== '0.0.0.0' ? d.bootOffer : offers.find((o) => o.yiaddr !== '0.0.0.0');
        return !!d.bootOffer && !!d.addressOffer;
      };
      sock.on('message', (msg, from) => {
        let p: DhcpPacket;
        try { p = decodeDhcp(msg); } catch { return; }
        if (p.op !== 2 || p.xid !== xid || macOf(p) !== id.mac) return;
        const type = msgTypeOf(p);
        if (type === MSG.OFFER) {
          const key = msg.toString('base64');
          const dup = seen.get(key);
          if (dup) return void dup.copies++;
          seen.set(key, describeOffer(p, from.address));
          d.offers = [...seen.values()];
          if (phase === 'offers' && !settle && choose()) {
            // Usable: give slower servers a moment so the report shows every offer.
            settle = setTimeout(() => {
              choose();
              phase = 'ack';
              clearTimeout(retry);
              request();
            }, windowMs);
          }
          return;
        }
        if (phase !== 'ack' || (type !== MSG.ACK && type !== MSG.NAK)) return;
        const a = d.addressOffer!;
        const serverId = ipOf(p.options.get(OPT.SERVER_ID));
        if (serverId !== (a.serverId ?? a.from)) return; // a proxy's ACK, or another server's
        if (type === MSG.NAK) return reject(new Error(`NAK from ${serverId} for ${a.yiaddr}`));
        if (p.yiaddr !== a.yiaddr) return reject(new Error(`ACK for ${p.yiaddr}, asked for ${a.yiaddr}`));
        d.ack = { from: from.address, serverId, yiaddr: p.yiaddr, mask: ipOf(p.options.get(OPT.SUBNET_MASK)) };
        resolve();
      });
      discover();
    });
  } finally {
    clearTimeout(retry);
    clearTimeout(settle);
    clearTimeout(overall);
    sock.close();
  }
  // TFTP server: the boot offer's option 66, siaddr and 54 should agree (precedence is unknown).
  const b = d.bootOffer!;
  const candidates = [b.tftpServer, b.siaddr !== '0.0.0.0' ? b.siaddr : undefined, b.serverId].filter((x): x is string => !!x);
  if (new Set(candidates).size !== 1) throw new Error(`boot offer names different TFTP servers: 66=${b.tftpServer} siaddr=${b.siaddr} 54=${b.serverId}`);
  d.bootServer = candidates[0];
}

// ------------------------------------------------------------------------------------------------
// TFTP

/** One RRQ from a fresh source port: probe (read the first answer, then "Early terminate") or read fully. */
function tftp(server: string, file: string, kind: TftpStep['kind'], fileTimeoutMs: number): Promise<{ step: TftpStep; data?: Buffer }> {
  const sock = dgram.createSocket({ type: 'udp4' });
  const t0 = performance.now();
  const step: TftpStep = { file, kind, sourcePort: 0, ok: false, ms: 0, rrqSent: 0 };
  const chunks: Buffer[] = [];
  let peer: { address: string; port: number } | undefined;
  let blksize = 512;
  let next = 1; // next block expected (absolute; the wire carries it mod 65536)
  let lastAck: Buffer | undefined;
  let retry: NodeJS.Timeout | undefined;
  let limit: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    // `last`: a final ACK or "Early terminate" still to go out; the socket closes once it is sent.
    const finish = (how: Partial<TftpStep>, data?: Buffer, last?: Buffer) => {
      clearTimeout(retry);
      clearTimeout(limit);
      Object.assign(step, how, { ms: Math.round(performance.now() - t0) });
      const close = () => {
        sock.close();
        resolve({ step, data });
      };
      if (last) sock.send(last, peer!.port, peer!.address, close);
      else close();
    };
    const toPeer = (buf: Buffer) => sock.send(buf, peer!.port, peer!.address);
    // Before an answer the RRQ is repeated; after, the last ACK (lock-step recovery of a lost DATA).
    const arm = () => {
      clearTimeout(retry);
      retry = setTimeout(() => {
        if (peer && lastAck) toPeer(lastAck);
        else sendRrq();
        arm();
      }, RRQ_RETRY_MS);
    };
    const rrq = requestPacket(OP.RRQ, file, 'octet', { tsize: 0, blksize: 1024 });
    const sendRrq = () => {
      step.rrqSent++;
      sock.send(rrq, 69, server);
    };
    const ack = (block: number) => {
      lastAck = ackPacket(block & 0xffff);
      toPeer(lastAck);
      arm();
    };
    sock.on('message', (msg, from) => {
      if (peer && (from.address !== peer.address || from.port !== peer.port)) {
        sock.send(errorPacket(5, 'Unknown transfer ID'), from.port, from.address);
        return;
      }
      let p;
      try { p = decodeTftp(msg); } catch { return; }
      if (!peer && from.address !== server) return;
      peer ??= { address: from.address, port: from.port };
      if (p.op === OP.ERROR) return finish({ ok: kind === 'miss' && p.code === 1, code: p.code, message: p.message });
      if (p.op === OP.OACK) {
        if (next !== 1) return; // a repeated OACK: our ACK 0 was lost, the timer resends it
        blksize = Number(p.options.get('blksize') ?? 512);
        if (p.options.has('tsize')) step.tsize = Number(p.options.get('tsize'));
        step.blksize = blksize;
        if (kind === 'probe') return finish({ ok: true }, undefined, errorPacket(0, 'Early terminate'));
        return ack(0);
      }
      if (p.op !== OP.DATA) return;
      step.blksize ??= blksize; // the server ignored our options: RFC 1350
      const wire = next & 0xffff;
      if (p.block === ((wire - 1) & 0xffff)) return void (lastAck && toPeer(lastAck)); // duplicate: re-ACK
      if (p.block !== wire) return;
      if (kind === 'probe') return finish({ ok: true }, undefined, errorPacket(0, 'Early terminate'));
      chunks.push(Buffer.from(p.data));
      next++;
      if (p.data.length < blksize) {
        const data = Buffer.concat(chunks);
        const sizeOk = step.tsize === undefined || step.tsize === data.length;
        const how = { ok: kind === 'read' && sizeOk, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...(sizeOk ? {} : { failure: `tsize ${step.tsize} but ${data.length} bytes` }) };
        return finish(how, data, ackPacket(p.block));
      }
      ack(p.block);
    });
    sock.bind(0, '0.0.0.0', () => {
      step.sourcePort = sock.address().port;
      limit = setTimeout(() => finish({ failure: `timed out after ${fileTimeoutMs} ms (${chunks.length} blocks)` }), fileTimeoutMs);
      sendRrq();
      arm();
    });
  });
}

/** The settings a config.txt gives the firmware, as far as this boot needs them. */
function parseConfig(text: string): { kernel?: string; initramfs?: string; overlays: string[] } {
  const out: { kernel?: string; initramfs?: string; overlays: string[] } = { overlays: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    let m;
    if ((m = /^kernel=(\S+)/.exec(line))) out.kernel = m[1];
    else if ((m = /^initramfs\s+(\S+)/.exec(line))) out.initramfs = m[1];
    else if ((m = /^dtoverlay=([^,:\s]+)/.exec(line))) out.overlays.push(m[1]);
  }
  return out;
}

/**
 * The Pi 4 sequence: existence probe of start4.elf under the serial prefix, the bootloader's reads
 * (config.txt, start4.elf, fixup4.dat), then start4.elf's (config.txt, initramfs, dtb, config.txt,
 * overlays, cmdline.txt, kernel), with the expected misses where the firmware looks for them.
 */
async function bootFiles(server: string, serial: string, extraOverlays: string[], fileTimeoutMs: number, saveDir: string | undefined, report: Pi4Report): Promise<void> {
  const get = async (file: string, kind: TftpStep['kind']) => {
    const { step, data } = await tftp(server, `${serial}/${file}`, kind, fileTimeoutMs);
    report.tftp.push(step);
    if (saveDir && data) {
      const to = path.join(saveDir, step.file);
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, data);
    }
    if (!step.ok && kind !== 'miss') throw new Error(`${kind} of ${step.file} failed: ${step.failure ?? `ERROR ${step.code} ${step.message}`}`);
    return data;
  };
  const config = async () => parseConfig((await get('config.txt', 'read'))!.toString('latin1'));

  await get('start4.elf', 'probe');
  await get('autoboot.txt', 'miss');
  await config();
  await get('pieeprom.sig', 'miss');
  await get('pieeprom.upd', 'miss');
  await get('start4.elf', 'read');
  await get('fixup4.dat', 'read');
  // start4.elf runs from here.
  let cfg = await config();
  await get('dt-blob.bin', 'miss');
  await get('bootcfg.txt', 'miss');
  if (cfg.initramfs) await get(cfg.initramfs, 'read');
  await get('bcm2711-rpi-4-b.dtb', 'read');
  await get('overlays/overlay_map.dtb', 'miss');
  cfg = await config();
  for (const o of [...cfg.overlays, ...extraOverlays]) await get(`overlays/${o}.dtbo`, 'read');
  await get('cmdline.txt', 'read');
  await get('armstub8.bin', 'miss');
  await get(cfg.kernel ?? 'kernel8.img', 'read');
}

// ------------------------------------------------------------------------------------------------

function parseArgs(argv: string[]) {
  const a = { iface: '', mac: '', serial: '', revision: 0xc03111, overlays: [] as string[], dhcpTimeoutMs: 45_000, fileTimeoutMs: 30_000, offerWindowMs: 500, save: undefined as string | undefined };
  for (let k = 0; k < argv.length; k += 2) {
    const [flag, value] = [argv[k], argv[k + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--iface') a.iface = value;
    else if (flag === '--mac') a.mac = value.toLowerCase();
    else if (flag === '--serial') a.serial = value.toLowerCase();
    else if (flag === '--revision') a.revision = parseInt(value, 16);
    else if (flag === '--overlay') a.overlays.push(value);
    else if (flag === '--dhcp-timeout-ms') a.dhcpTimeoutMs = Number(value);
    else if (flag === '--file-timeout-ms') a.fileTimeoutMs = Number(value);
    else if (flag === '--offer-window-ms') a.offerWindowMs = Number(value);
    else if (flag === '--save') a.save = value;
    else throw new Error(`unknown option ${flag}`);
  }
  if (!a.iface || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(a.mac) || !/^[0-9a-f]{8}$/.test(a.serial)) {
    throw new Error('usage: pi4-client.ts --iface IF --mac aa:bb:cc:dd:ee:ff --serial 8HEX [--overlay NAME]...');
  }
  return a;
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  const report: Pi4Report = { ok: false, mac: a.mac, serial: a.serial, dhcp: { discovers: 0, offers: [], requests: 0 }, tftp: [] };
  let undo = prepareUnconfigured(a.iface);
  let lease: string | undefined;
  try {
    await dhcp({ mac: a.mac, serial: a.serial, revision: a.revision }, report, a.dhcpTimeoutMs, a.offerWindowMs);
    undo();
    undo = () => {};
    lease = `${report.dhcp.ack!.yiaddr}/${prefixOf(report.dhcp.ack!.mask)}`;
    sh('ip', ['addr', 'add', lease, 'dev', a.iface]);
    report.dhcp.lease = lease;
    await bootFiles(report.dhcp.bootServer!, a.serial, a.overlays, a.fileTimeoutMs, a.save, report);
    report.ok = true;
  } catch (err) {
    report.error = (err as Error).message;
  } finally {
    undo();
    if (lease) quietly(() => sh('ip', ['addr', 'del', lease!, 'dev', a.iface])); // leave the namespace as found
  }
  process.stdout.write(JSON.stringify(report) + '\n');
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
