// TFTP packets (RFC 1350) with option extension (RFC 2347).
export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

export const ERR = {
  UNDEFINED: 0,
  NOT_FOUND: 1,
  ACCESS: 2,
  DISK_FULL: 3,
  ILLEGAL_OP: 4,
  UNKNOWN_TID: 5,
  EXISTS: 6,
  NO_USER: 7,
  OPTION_REFUSED: 8,
} as const;

export type TftpPacket =
  | { op: 1 | 2; file: string; mode: string; options: Map<string, string> }
  | { op: 3; block: number; data: Buffer }
  | { op: 4; block: number }
  | { op: 5; code: number; message: string }
  | { op: 6; options: Map<string, string> };

export class TftpDecodeError extends Error {}

/** NUL-terminated strings from `start`; a missing final NUL is tolerated (some clients send none). */
function strings(buf: Buffer, start: number): string[] {
  const out: string[] = [];
  let i = start;
  while (i < buf.length) {
    let end = buf.indexOf(0, i);
    if (end < 0) end = buf.length;
    out.push(buf.subarray(i, end).toString('latin1'));
    i = end + 1;
  }
  return out;
}

export function decodeTftp(buf: Buffer): TftpPacket {
  if (buf.length < 4) throw new TftpDecodeError(`packet too short (${buf.length} bytes)`);
  const op = buf.readUInt16BE(0);
  switch (op) {
    case OP.RRQ:
    case OP.WRQ: {
      const parts = strings(buf, 2);
      if (parts.length < 2 || parts[0] === '') throw new TftpDecodeError('request without file name or mode');
      const options = new Map<string, string>();
      for (let k = 2; k + 1 < parts.length; k += 2) options.set(parts[k].toLowerCase(), parts[k + 1]);
      return { op, file: parts[0], mode: parts[1].toLowerCase(), options };
    }
    case OP.DATA:
      return { op, block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case OP.ACK:
      return { op, block: buf.readUInt16BE(2) };
    case OP.ERROR:
      return { op, code: buf.readUInt16BE(2), message: strings(buf, 4)[0] ?? '' };
    case OP.OACK: {
      const parts = strings(buf, 2);
      const options = new Map<string, string>();
      for (let k = 0; k + 1 < parts.length; k += 2) options.set(parts[k].toLowerCase(), parts[k + 1]);
      return { op, options };
    }
    default:
      throw new TftpDecodeError(`unknown opcode ${op}`);
  }
}

export function errorPacket(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'latin1');
  const buf = Buffer.alloc(5 + msg.length);
  buf.writeUInt16BE(OP.ERROR, 0);
  buf.writeUInt16BE(code, 2);
  msg.copy(buf, 4);
  return buf;
}

export function oackPacket(options: Map<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0, OP.OACK])];
  for (const [k, v] of options) parts.push(Buffer.from(`${k}\0${v}\0`, 'latin1'));
  return Buffer.concat(parts);
}

export function ackPacket(block: number): Buffer {
  return Buffer.from([0, OP.ACK, (block >> 8) & 255, block & 255]);
}

export function dataHeader(block: number): Buffer {
  return Buffer.from([0, OP.DATA, (block >> 8) & 255, block & 255]);
}

export function requestPacket(op: 1 | 2, file: string, mode: string, options: Record<string, string | number> = {}): Buffer {
  let s = `${file}\0${mode}\0`;
  for (const [k, v] of Object.entries(options)) s += `${k}\0${v}\0`;
  return Buffer.concat([Buffer.from([0, op]), Buffer.from(s, 'latin1')]);
}
