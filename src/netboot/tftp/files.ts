// What TFTP and HTTP serve: files under a root, plus generated files (boot trees), read in
// shared chunks so many clients of one kernel share reads instead of each holding a copy.
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface ServedFile {
  size: number;
  /** Bytes [pos, pos+len) (shorter at end of file). */
  read(pos: number, len: number): Promise<Buffer>;
  /** The same bytes without waiting, when they are already in memory (the per-packet fast path). */
  readNow?(pos: number, len: number): Buffer | undefined;
  /** Where the bytes live on disk, when they do: another thread may serve them from there. */
  path?: string;
  close(): void;
}

export interface FileResolver {
  /** undefined: not found. Throws PathRefused for names that must never be served. */
  open(name: string, peer: string): Promise<ServedFile | undefined>;
}

export class PathRefused extends Error {}

/** Normalizes a requested name to a relative path inside the root, or throws PathRefused. */
export function safeRelative(name: string): string {
  if (name.includes('\0')) throw new PathRefused('NUL in file name');
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) throw new PathRefused('absolute path');
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw new PathRefused('path traversal');
  if (segments.length === 0) throw new PathRefused('empty file name');
  return segments.join('/');
}

export function memoryFile(data: Buffer): ServedFile {
  return {
    size: data.length,
    read: async (pos, len) => data.subarray(pos, Math.min(data.length, pos + len)),
    readNow: (pos, len) => data.subarray(pos, Math.min(data.length, pos + len)),
    close: () => {},
  };
}

const CHUNK = 256 * 1024;

/** Open handles and recently read chunks, shared by every transfer of the same file. */
class ChunkCache {
  private readonly handles = new Map<string, { fh: Promise<FileHandle>; refs: number; mtime: number }>();
  /** LRU over all files: key `${index}\0${real}`; the per-file maps below are the fast lookup. */
  private readonly order = new Map<string, { real: string; index: number }>();
  private readonly byFile = new Map<string, Map<number, { pending: Promise<Buffer>; data?: Buffer }>>();
  constructor(private readonly maxChunks: number) {}

  acquire(real: string, mtime: number): void {
    const h = this.handles.get(real);
    if (h && h.mtime === mtime) {
      h.refs++;
      return;
    }
    if (h) this.dropChunks(real);
    this.handles.set(real, { fh: open(real, 'r'), refs: 1, mtime });
  }

  release(real: string): void {
    const h = this.handles.get(real);
    if (!h || --h.refs > 0) return;
    this.handles.delete(real);
    h.fh.then((fh) => fh.close()).catch(() => {});
    this.dropChunks(real);
  }

  /** A chunk already read, without touching the LRU order (hot chunks are re-read often enough). */
  loaded(real: string, index: number): Buffer | undefined {
    return this.byFile.get(real)?.get(index)?.data;
  }

  chunk(real: string, index: number): Promise<Buffer> {
    let chunks = this.byFile.get(real);
    const hit = chunks?.get(index);
    const key = `${index}\0${real}`;
    if (hit) {
      this.order.delete(key); // refresh LRU position
      this.order.set(key, { real, index });
      return hit.pending;
    }
    const h = this.handles.get(real);
    if (!h) return Promise.reject(new Error('file closed'));
    if (!chunks) this.byFile.set(real, (chunks = new Map()));
    const entry: { pending: Promise<Buffer>; data?: Buffer } = {
      pending: h.fh.then(async (fh) => {
        const buf = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await fh.read(buf, 0, CHUNK, index * CHUNK);
        return (entry.data = buf.subarray(0, bytesRead));
      }),
    };
    entry.pending.catch(() => this.forget(real, index));
    chunks.set(index, entry);
    this.order.set(key, { real, index });
    while (this.order.size > this.maxChunks) {
      const [oldest, at] = this.order.entries().next().value!;
      this.order.delete(oldest);
      this.byFile.get(at.real)?.delete(at.index);
    }
    return entry.pending;
  }

  private forget(real: string, index: number): void {
    this.order.delete(`${index}\0${real}`);
    this.byFile.get(real)?.delete(index);
  }

  private dropChunks(real: string): void {
    for (const index of this.byFile.get(real)?.keys() ?? []) this.order.delete(`${index}\0${real}`);
    this.byFile.delete(real);
  }
}

/** Serves files under `root`; symlinks may not lead outside it. */
export class DirectoryResolver implements FileResolver {
  private readonly cache: ChunkCache;
  private rootReal: Promise<string>;
  constructor(private readonly root: string, maxCacheBytes = 32 * 1024 * 1024) {
    this.cache = new ChunkCache(Math.max(2, Math.floor(maxCacheBytes / CHUNK)));
    this.rootReal = realpath(root).catch(() => path.resolve(root));
  }

  async open(name: string): Promise<ServedFile | undefined> {
    const rel = safeRelative(name);
    const rootReal = await this.rootReal;
    let real: string;
    try {
      real = await realpath(path.join(rootReal, rel));
    } catch {
      return undefined;
    }
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) throw new PathRefused('outside the served directory');
    return this.openReal(real);
  }

  /** A file by its real path (already checked to be inside the root). */
  async openReal(real: string): Promise<ServedFile | undefined> {
    const st = await stat(real).catch(() => undefined);
    if (!st || !st.isFile()) return undefined;
    const cache = this.cache;
    cache.acquire(real, st.mtimeMs);
    let closed = false;
    return {
      size: st.size,
      path: real,
      async read(pos, len) {
        const end = Math.min(st.size, pos + len);
        if (end <= pos) return Buffer.alloc(0);
        const first = Math.floor(pos / CHUNK);
        const last = Math.floor((end - 1) / CHUNK);
        const a = await cache.chunk(real, first);
        if (first === last) return a.subarray(pos - first * CHUNK, end - first * CHUNK);
        const b = await cache.chunk(real, last);
        return Buffer.concat([a.subarray(pos - first * CHUNK), b.subarray(0, end - last * CHUNK)]);
      },
      readNow(pos, len) {
        const end = Math.min(st.size, pos + len);
        const first = Math.floor(pos / CHUNK);
        if (end <= pos || Math.floor((end - 1) / CHUNK) !== first) return undefined;
        return cache.loaded(real, first)?.subarray(pos - first * CHUNK, end - first * CHUNK);
      },
      close() {
        if (closed) return;
        closed = true;
        cache.release(real);
      },
    };
  }
}

/** Tries resolvers in order (generated boot trees first, then the TFTP root). */
export function chainResolvers(...list: FileResolver[]): FileResolver {
  return {
    async open(name, peer) {
      for (const r of list) {
        const f = await r.open(name, peer);
        if (f) return f;
      }
      return undefined;
    },
  };
}
