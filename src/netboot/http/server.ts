// HTTP for kernels, initramfs, disk images and iPXE scripts; single-range requests (RFC 9110 14.2).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PathRefused, type FileResolver, type ServedFile } from '../tftp/files.js';
import type { EventSink } from '../events.js';

export interface HttpBootServer {
  port: number;
  close(): Promise<void>;
}

const READ = 256 * 1024;

export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // multi-range or malformed: send the whole file
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** Waits for 'drain' or 'close', removing both listeners so long transfers do not pile them up. */
function writable(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

async function pump(res: http.ServerResponse, file: ServedFile, start: number, end: number): Promise<number> {
  let pos = start;
  while (pos <= end && !res.destroyed) {
    const chunk = await file.read(pos, Math.min(READ, end - pos + 1));
    if (chunk.length === 0) break;
    pos += chunk.length;
    if (!res.write(chunk)) await writable(res);
  }
  return pos - start;
}

export async function startHttp(opts: { files: FileResolver; port: number; host?: string; onEvent: EventSink }): Promise<HttpBootServer> {
  const server = http.createServer(async (req, res) => {
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    let name = '';
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
      const file = await opts.files.open(name, peer);
      if (!file) {
        opts.onEvent({ type: 'file-missing', proto: 'http', file: name, peer });
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      try {
        const range = parseRange(req.headers.range, file.size);
        if (range === 'unsatisfiable') {
          res.writeHead(416, { 'content-range': `bytes */${file.size}` }).end();
          return;
        }
        const { start, end } = range ?? { start: 0, end: file.size - 1 };
        const headers: http.OutgoingHttpHeaders = {
          'content-length': String(Math.max(0, end - start + 1)),
          'accept-ranges': 'bytes',
          'content-type': name.endsWith('.ipxe') ? 'text/plain' : 'application/octet-stream',
        };
        if (range) headers['content-range'] = `bytes ${start}-${end}/${file.size}`;
        res.writeHead(range ? 206 : 200, headers);
        if (req.method === 'HEAD') return void res.end();
        const t0 = Date.now();
        opts.onEvent({ type: 'transfer-start', proto: 'http', file: name, peer, size: file.size });
        const sent = await pump(res, file, start, end);
        res.end();
        opts.onEvent({ type: 'transfer-done', proto: 'http', file: name, peer, bytes: sent, ms: Date.now() - t0 });
      } finally {
        file.close();
      }
    } catch (err) {
      const refused = err instanceof PathRefused;
      opts.onEvent(refused
        ? { type: 'refused', proto: 'http', file: name, peer, reason: (err as Error).message }
        : { type: 'transfer-failed', proto: 'http', file: name, peer, reason: (err as Error).message });
      if (!res.headersSent) res.writeHead(refused ? 403 : 500).end();
      else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
