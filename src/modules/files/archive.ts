import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';

/** One member of an archive: a path below dest, its kind and size. */
export interface Member {
  path: string;
  type: 'file' | 'dir' | 'link';
  size: number;
}

export type ArchiveKind = 'tar' | 'zip';

export function archiveKind(name: string, data?: Buffer): ArchiveKind {
  if (data && data.length > 4 && data.readUInt32LE(0) === 0x04034b50) return 'zip';
  return /\.zip$/i.test(name) ? 'zip' : 'tar';
}

/** The plain tar bytes of a (possibly compressed) tar archive. */
function plainTar(data: Buffer): Buffer {
  if (data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data);
  const tool = data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
    ? 'xz'
    : data.subarray(0, 3).toString('latin1') === 'BZh'
      ? 'bzip2'
      : data.readUInt32LE(0) === 0xfd2fb528
        ? 'zstd'
        : undefined;
  if (!tool) return data;
  const r = spawnSync(tool, ['-dc'], { input: data, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${tool} could not decompress the archive: ${r.stderr?.toString().trim()}`);
  return r.stdout;
}

const cstr = (b: Buffer) => {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
};
const octal = (b: Buffer) => parseInt(cstr(b).trim() || '0', 8);
const clean = (p: string) => p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');

export function tarMembers(data: Buffer): Member[] {
  const tar = plainTar(data);
  const out: Member[] = [];
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = octal(h.subarray(124, 136));
    const flag = String.fromCharCode(h[156] || 0x30);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'L') {
      longName = cstr(body);
      continue;
    }
    if (flag === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    if (flag === 'g') continue;
    const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar') ? cstr(h.subarray(345, 500)) : '';
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${cstr(h.subarray(0, 100))}` : cstr(h.subarray(0, 100)));
    longName = paxPath = undefined;
    const path = clean(name);
    if (!path) continue;
    out.push({ path, type: flag === '5' ? 'dir' : flag === '2' || flag === '1' ? 'link' : 'file', size: flag === '5' ? 0 : size });
  }
  return out;
}

export function zipMembers(data: Buffer): Member[] {
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 65557); i--)
    if (data.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = data.readUInt16LE(eocd + 10);
  let off = data.readUInt32LE(eocd + 16);
  const out: Member[] = [];
  for (let n = 0; n < count; n++) {
    if (data.readUInt32LE(off) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const size = data.readUInt32LE(off + 24);
    const nameLen = data.readUInt16LE(off + 28);
    const extraLen = data.readUInt16LE(off + 30);
    const commentLen = data.readUInt16LE(off + 32);
    const name = data.subarray(off + 46, off + 46 + nameLen).toString('utf8');
    const isLink = (data.readUInt32LE(off + 38) >>> 16 & 0o170000) === 0o120000;
    off += 46 + nameLen + extraLen + commentLen;
    const path = clean(name);
    if (path) out.push({ path, type: name.endsWith('/') ? 'dir' : isLink ? 'link' : 'file', size: name.endsWith('/') ? 0 : size });
  }
  return out;
}

export const members = (kind: ArchiveKind, data: Buffer): Member[] => (kind === 'zip' ? zipMembers(data) : tarMembers(data));
