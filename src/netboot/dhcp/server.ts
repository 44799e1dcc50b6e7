// DHCP for netboot: proxyDHCP (boot information only, ports 67 and 4011) or authoritative
// (reservations by MAC, optional dynamic range). Unknown MACs never get an answer.
import { OPT, MSG, decodeDhcp, encodeDhcp, replyTo, macOf, msgTypeOf, ipBytes, u32, type DhcpPacket } from './packet.js';
import { clientFacts, detectClient, piBootMenu, type ClientFacts, type ClientRule } from '../clients.js';
import type { BootProfile, ProfileSource } from '../profiles.js';
import type { DatagramSocket, RemoteInfo } from './socket.js';
import type { EventSink } from '../events.js';
import { LeasePool } from './leases.js';

export interface DhcpConfig {
  mode: 'proxy' | 'authoritative';
  serverIp: string;
  subnetMask: string;
  /** Where replies to clients without an address go: the subnet broadcast (routable without a default route). */
  broadcast: string;
  router?: string;
  dns?: string[];
  leaseSeconds?: number;
  /** Authoritative mode: addresses for known MACs without a reservation. */
  range?: { first: string; last: string };
  httpPort: number;
  discover: boolean;
  profiles: ProfileSource;
  onEvent: EventSink;
}

export interface DhcpSockets {
  main: DatagramSocket; // port 67
  pxe?: DatagramSocket; // port 4011 (proxy mode)
}

const CLIENT_PORT = 68;
const LIMITED_BROADCAST = '255.255.255.255';
const SERVER_PORT = 67;

export class DhcpServer {
  private readonly leases: LeasePool | undefined;
  constructor(private readonly cfg: DhcpConfig, private readonly sockets: DhcpSockets) {
    this.leases = cfg.range ? new LeasePool(cfg.range.first, cfg.range.last) : undefined;
    sockets.main.onMessage((m, from) => this.onPacket(m, from, false));
    sockets.pxe?.onMessage((m, from) => this.onPacket(m, from, true));
  }

  close(): void {
    this.sockets.main.close();
    this.sockets.pxe?.close();
  }

  private onPacket(msg: Buffer, from: RemoteInfo, onPxePort: boolean): void {
    let req: DhcpPacket;
    try {
      req = decodeDhcp(msg);
    } catch (err) {
      this.cfg.onEvent({ type: 'bad-packet', proto: 'dhcp', peer: `${from.address}:${from.port}`, reason: (err as Error).message });
      return;
    }
    if (req.op !== 1 || req.htype !== 1 || req.hlen !== 6) return;
    const type = msgTypeOf(req);
    if (type === undefined) return;
    const reply = this.answer(req, type, onPxePort);
    if (!reply) return;
    const dest = onPxePort ? from : this.destination(req);
    const sock = this.sockets[onPxePort ? 'pxe' : 'main']!;
    const bytes = encodeDhcp(reply.packet);
    const report = (err: Error | null) => {
      if (err) this.cfg.onEvent({ type: 'error', message: `dhcp send to ${dest.address}: ${err.message}` });
    };
    if (dest.address === this.cfg.broadcast && dest.address !== LIMITED_BROADCAST) {
      // UEFI PXE (EDK2) takes only 255.255.255.255 from a server while it has no address; iPXE, the Pi
      // and dhclient take either. Without a route for 255.255.255.255 (no default route) that send
      // fails, so the subnet broadcast goes out as well: a duplicate reply is harmless to a client.
      sock.send(bytes, dest.port, LIMITED_BROADCAST, () => {});
    }
    sock.send(bytes, dest.port, dest.address, report);
    this.cfg.onEvent({ ...reply.event, to: `${dest.address}:${dest.port}` });
  }

  /** RFC 2131 4.1: relay first, then a configured client, else broadcast (the client cannot answer ARP yet). */
  private destination(req: DhcpPacket): RemoteInfo {
    if (req.giaddr !== '0.0.0.0') return { address: req.giaddr, port: SERVER_PORT };
    if (req.ciaddr !== '0.0.0.0') return { address: req.ciaddr, port: CLIENT_PORT };
    return { address: this.cfg.broadcast, port: CLIENT_PORT };
  }

  private answer(req: DhcpPacket, type: number, onPxePort: boolean) {
    const mac = macOf(req);
    const facts = clientFacts(req, mac);
    const rule = detectClient(facts);
    const profile = this.cfg.profiles.byMac(mac) ?? (facts.piSerial ? this.cfg.profiles.bySerial?.(facts.piSerial) : undefined);
    if (type === MSG.DISCOVER || (onPxePort && type === MSG.REQUEST)) this.reportMachine(facts, rule, profile);
    if (!profile) return undefined;

    if (this.cfg.mode === 'proxy' || onPxePort) {
      // Without a boot client signature there is nothing for a proxy to add.
      if (!rule || !facts.vendorClass) return undefined;
      if (type !== MSG.DISCOVER && type !== MSG.REQUEST) return undefined;
      if (type === MSG.REQUEST && !onPxePort && !this.addressedToUs(req)) return undefined;
      const p = replyTo(req);
      p.options.set(OPT.MSG_TYPE, Buffer.from([type === MSG.DISCOVER ? MSG.OFFER : MSG.ACK]));
      p.options.set(OPT.SERVER_ID, ipBytes(this.cfg.serverIp));
      p.flags |= onPxePort ? 0 : 0x8000;
      if (!this.addBootInfo(p, req, facts, rule, profile, true)) return undefined;
      return { packet: p, event: { type: 'dhcp' as const, message: type === MSG.DISCOVER ? ('proxy-offer' as const) : ('proxy-ack' as const), mac, name: profile.name, bootFile: p.file || undefined } };
    }
    return this.authoritative(req, type, facts, rule, profile);
  }

  private authoritative(req: DhcpPacket, type: number, facts: ClientFacts, rule: ClientRule | undefined, profile: BootProfile) {
    const mac = facts.mac;
    if (type === MSG.RELEASE || type === MSG.DECLINE) {
      if (!profile.address) this.leases?.release(mac);
      return undefined;
    }
    const address = profile.address ?? this.leases?.addressFor(mac);
    if (type === MSG.INFORM) {
      const p = this.baseReply(req, MSG.ACK);
      p.options.delete(OPT.LEASE_TIME);
      if (rule) this.addBootInfo(p, req, facts, rule, profile, false);
      return { packet: p, event: { type: 'dhcp' as const, message: 'ack' as const, mac, name: profile.name } };
    }
    if (!address) return undefined;
    if (type === MSG.DISCOVER) {
      const p = this.baseReply(req, MSG.OFFER);
      p.yiaddr = address;
      if (rule) this.addBootInfo(p, req, facts, rule, profile, false);
      return { packet: p, event: { type: 'dhcp' as const, message: 'offer' as const, mac, address, name: profile.name, bootFile: p.file || undefined } };
    }
    if (type !== MSG.REQUEST) return undefined;
    const serverId = req.options.get(OPT.SERVER_ID);
    if (serverId && !this.addressedToUs(req)) return undefined; // the client chose another server
    const wanted = req.options.get(OPT.REQUESTED_IP);
    const asked = wanted && wanted.length === 4 ? [...wanted].join('.') : req.ciaddr;
    if (asked !== address) {
      const nak = replyTo(req);
      nak.options.set(OPT.MSG_TYPE, Buffer.from([MSG.NAK]));
      nak.options.set(OPT.SERVER_ID, ipBytes(this.cfg.serverIp));
      nak.flags |= 0x8000;
      return { packet: nak, event: { type: 'dhcp' as const, message: 'nak' as const, mac, address: asked, name: profile.name } };
    }
    const p = this.baseReply(req, MSG.ACK);
    p.yiaddr = address;
    if (rule) this.addBootInfo(p, req, facts, rule, profile, false);
    return { packet: p, event: { type: 'dhcp' as const, message: 'ack' as const, mac, address, name: profile.name, bootFile: p.file || undefined } };
  }

  private addressedToUs(req: DhcpPacket): boolean {
    const id = req.options.get(OPT.SERVER_ID);
    return !!id && id.length === 4 && [...id].join('.') === this.cfg.serverIp;
  }

  private baseReply(req: DhcpPacket, type: number): DhcpPacket {
    const p = replyTo(req);
    p.options.set(OPT.MSG_TYPE, Buffer.from([type]));
    p.options.set(OPT.SERVER_ID, ipBytes(this.cfg.serverIp));
    p.options.set(OPT.LEASE_TIME, u32(this.cfg.leaseSeconds ?? 3600));
    p.options.set(OPT.SUBNET_MASK, ipBytes(this.cfg.subnetMask));
    if (this.cfg.router) p.options.set(OPT.ROUTER, ipBytes(this.cfg.router));
    if (this.cfg.dns?.length) p.options.set(OPT.DNS, Buffer.concat(this.cfg.dns.map(ipBytes)));
    return p;
  }

  /** Boot information per client kind; false when this node must not netboot (Pi set to boot locally). */
  private addBootInfo(p: DhcpPacket, req: DhcpPacket, facts: ClientFacts, rule: ClientRule, profile: BootProfile, proxy: boolean): boolean {
    if (profile.boot === 'local' && rule.kind === 'rpi') return false; // the Pi falls through to its next boot mode
    const reply = rule.reply;
    p.siaddr = this.cfg.serverIp;
    p.sname = this.cfg.serverIp;
    p.options.set(OPT.TFTP_SERVER, Buffer.from(this.cfg.serverIp, 'latin1'));
    // An address offer that says "PXEClient" without a PXE menu (43) is a BINL offer: UEFI PXE then
    // asks port 4011 for its boot file before booting. With a boot file already given, a plain offer
    // (file + siaddr, as ISC dhcpd and dnsmasq's dhcp-boot send) boots every PXE client directly.
    const echo = reply.vendorClassEcho === 'PXEClient' && !proxy && !reply.piMenu ? undefined : reply.vendorClassEcho;
    if (echo) p.options.set(OPT.VENDOR_CLASS, Buffer.from(echo, 'latin1'));
    const uuid = req.options.get(OPT.CLIENT_UUID);
    if (uuid) p.options.set(OPT.CLIENT_UUID, uuid);
    if (reply.piMenu) p.options.set(OPT.VENDOR_SPECIFIC, piBootMenu());
    if (reply.bootFile) {
      const path = reply.bootFile.path(facts);
      p.file = reply.bootFile.via === 'http' ? `http://${this.cfg.serverIp}:${this.cfg.httpPort}${path}` : path;
      p.options.set(OPT.BOOTFILE, Buffer.from(p.file, 'latin1'));
    }
    if (rule.kind === 'uboot') p.options.set(OPT.PXELINUX_CONFIG, Buffer.from(`pxelinux.cfg/01-${facts.mac.replace(/:/g, '-')}`, 'latin1'));
    return true;
  }

  private reportMachine(facts: ClientFacts, rule: ClientRule | undefined, profile: BootProfile | undefined): void {
    if (!profile && !this.cfg.discover) return;
    this.cfg.onEvent({
      type: 'machine',
      mac: facts.mac,
      kind: rule?.kind ?? 'unknown',
      known: !!profile,
      ...(profile ? { name: profile.name } : {}),
      ...(facts.piSerial ? { piSerial: facts.piSerial, piModel: facts.piModel } : {}),
      ...(facts.arch !== undefined ? { arch: facts.arch } : {}),
      ...(facts.vendorClass ? { vendorClass: facts.vendorClass } : {}),
    });
  }
}
