// DHCP/BOOTP wire format (RFC 2131) with options as raw bytes keyed by code (RFC 2132).

export const MAGIC_COOKIE = 0x63825363;

export const MSG = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

export const OPT = {
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  HOSTNAME: 12,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MSG_TYPE: 53,
  SERVER_ID: 54,
  PARAM_LIST: 55,
  MAX_SIZE: 57,
  VENDOR_CLASS: 60,
  TFTP_SERVER: 66,
  BOOTFILE: 67,
  VENDOR_SPECIFIC: 43,
  USER_CLASS: 77,
  CLIENT_ARCH: 93,
  CLIENT_NDI: 94,
  CLIENT_UUID: 97,
  IPXE_FEATURES: 175,
  PXELINUX_CONFIG: 209,
  END: 255,
  PAD: 0,
} as const;

export interface DhcpPacket {
  op: number; // 1 request, 2 reply
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  chaddr: Buffer; // 16 bytes
  sname: string;
  file: string;
  options: Map<number, Buffer>;
}

export class DhcpDecodeError extends Error {}

const FIXED_LEN = 236;

function ipAt(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

function cString(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul < 0 ? buf.length : nul).toString('latin1');
}

/** Options area parser; concatenates repeated codes (RFC 3396). */
function parseOptions(buf: Buffer, into: Map<number, Buffer>): void {
  let i = 0;
  while (i < buf.length) {
    const code = buf[i++];
    if (code === OPT.PAD) continue;
    if (code === OPT.END) return;
    if (i >= buf.length) throw new DhcpDecodeError('option length missing');
    const len = buf[i++];
    if (i + len > buf.length) throw new DhcpDecodeError(`option ${code} overruns packet`);
    const value = buf.subarray(i, i + len);
    const prev = into.get(code);
    into.set(code, prev ? Buffer.concat([prev, value]) : Buffer.from(value));
    i += len;
  }
}

export function decodeDhcp(buf: Buffer): DhcpPacket {
  if (buf.length < FIXED_LEN + 4) throw new DhcpDecodeError(`packet too short (${buf.length} bytes)`);
  if (buf.readUInt32BE(FIXED_LEN) !== MAGIC_COOKIE) throw new DhcpDecodeError('no DHCP magic cookie');
  const hlen = buf[2];
  if (hlen > 16) throw new DhcpDecodeError(`hardware address length ${hlen}`);
  const options = new Map<number, Buffer>();
  parseOptions(buf.subarray(FIXED_LEN + 4), options);
  const overload = options.get(OPT.OVERLOAD)?.[0] ?? 0;
  const fileField = buf.subarray(108, 236);
  const snameField = buf.subarray(44, 108);
  if (overload & 1) parseOptions(fileField, options);
  if (overload & 2) parseOptions(snameField, options);
  return {
    op: buf[0],
    htype: buf[1],
    hlen,
    hops: buf[3],
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: ipAt(buf, 12),
    yiaddr: ipAt(buf, 16),
    siaddr: ipAt(buf, 20),
    giaddr: ipAt(buf, 24),
    chaddr: Buffer.from(buf.subarray(28, 44)),
    sname: overload & 2 ? '' : cString(snameField),
    file: overload & 1 ? '' : cString(fileField),
    options,
  };
}

function writeIp(buf: Buffer, off: number, ip: string): void {
  const parts = ip.split('.').map(Number);
  for (let k = 0; k < 4; k++) buf[off + k] = parts[k] ?? 0;
}

/** Encodes; options longer than 255 bytes are split (RFC 3396). Padded to the BOOTP minimum of 300 bytes. */
export function encodeDhcp(p: DhcpPacket): Buffer {
  const optParts: Buffer[] = [];
  const msgType = p.options.get(OPT.MSG_TYPE);
  const ordered = [...p.options.entries()].filter(([c]) => c !== OPT.MSG_TYPE);
  if (msgType) ordered.unshift([OPT.MSG_TYPE, msgType]);
  for (const [code, value] of ordered) {
    for (let off = 0; off < value.length || off === 0; off += 255) {
      const chunk = value.subarray(off, off + 255);
      optParts.push(Buffer.from([code, chunk.length]), chunk);
      if (value.length === 0) break;
    }
  }
  optParts.push(Buffer.from([OPT.END]));
  const opts = Buffer.concat(optParts);
  const buf = Buffer.alloc(Math.max(300, FIXED_LEN + 4 + opts.length));
  buf[0] = p.op;
  buf[1] = p.htype;
  buf[2] = p.hlen;
  buf[3] = p.hops;
  buf.writeUInt32BE(p.xid >>> 0, 4);
  buf.writeUInt16BE(p.secs & 0xffff, 8);
  buf.writeUInt16BE(p.flags & 0xffff, 10);
  writeIp(buf, 12, p.ciaddr);
  writeIp(buf, 16, p.yiaddr);
  writeIp(buf, 20, p.siaddr);
  writeIp(buf, 24, p.giaddr);
  p.chaddr.copy(buf, 28, 0, 16);
  buf.write(p.sname.slice(0, 63), 44, 'latin1');
  buf.write(p.file.slice(0, 127), 108, 'latin1');
  buf.writeUInt32BE(MAGIC_COOKIE, FIXED_LEN);
  opts.copy(buf, FIXED_LEN + 4);
  return buf;
}

export function macOf(p: DhcpPacket): string {
  const len = p.htype === 1 ? 6 : Math.min(p.hlen, 16);
  return [...p.chaddr.subarray(0, len)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function msgTypeOf(p: DhcpPacket): number | undefined {
  return p.options.get(OPT.MSG_TYPE)?.[0];
}

export function ipBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function optString(p: DhcpPacket, code: number): string | undefined {
  return p.options.get(code)?.toString('latin1');
}

/** Reply skeleton mirroring the request's xid, flags, giaddr and chaddr. */
export function replyTo(req: DhcpPacket): DhcpPacket {
  return {
    op: 2,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr: req.ciaddr,
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: req.giaddr,
    chaddr: Buffer.from(req.chaddr),
    sname: '',
    file: '',
    options: new Map(),
  };
}

/** A request as a client would send it (tests, benchmarks, fuzzing). */
export function clientRequest(mac: string, type: number, xid: number, opts: Array<[number, Buffer]> = []): DhcpPacket {
  const chaddr = Buffer.alloc(16);
  Buffer.from(mac.split(':').map((h) => parseInt(h, 16))).copy(chaddr);
  const options = new Map<number, Buffer>([[OPT.MSG_TYPE, Buffer.from([type])]]);
  for (const [c, v] of opts) options.set(c, v);
  return {
    op: 1, htype: 1, hlen: 6, hops: 0, xid, secs: 0, flags: 0,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr, sname: '', file: '', options,
  };
}
