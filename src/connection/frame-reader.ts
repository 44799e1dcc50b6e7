/**
 * Collects one output stream of the persistent shell and hands out frames: everything up to
 * and including the next occurrence of a marker. Scans only new bytes (plus a marker-sized
 * overlap), so large outputs stay linear.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private scanned = 0;
  private want?: { marker: Buffer; resolve: (frame: Buffer) => void; reject: (e: Error) => void };
  private failure?: Error;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.check();
  }

  /** Resolve with the bytes up to and including `marker`; the rest stays for the next frame. */
  next(marker: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.want = { marker, resolve, reject };
      this.scanned = 0;
      this.check();
    });
  }

  /** The stream ended: the pending and every later frame fail with `err`. */
  fail(err: Error): void {
    this.failure = err;
    const w = this.want;
    this.want = undefined;
    w?.reject(err);
  }

  private slice(start: number, end: number): Buffer {
    const parts: Buffer[] = [];
    let offset = 0;
    for (const c of this.chunks) {
      const cEnd = offset + c.length;
      if (cEnd > start && offset < end) parts.push(c.subarray(Math.max(0, start - offset), Math.min(c.length, end - offset)));
      offset = cEnd;
      if (offset >= end) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  private check(): void {
    const w = this.want;
    if (!w) return;
    const from = Math.max(0, this.scanned - (w.marker.length - 1));
    const idx = this.slice(from, this.size).indexOf(w.marker);
    if (idx < 0) {
      this.scanned = this.size;
      return;
    }
    const end = from + idx + w.marker.length;
    const frame = this.slice(0, end);
    const rest = this.slice(end, this.size);
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    this.scanned = 0;
    this.want = undefined;
    w.resolve(frame);
  }
}
