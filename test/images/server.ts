import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export interface TestServer {
  base: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * A loopback artifact server. `files` maps paths to bodies; Range requests get 206.
 * Paths in `cutOnce` send half of the body and drop the connection the first time (to test resume).
 * `redirects` maps a path to another path (302).
 */
export async function startServer(
  files: Record<string, Buffer>,
  opts: { cutOnce?: string[]; redirects?: Record<string, string> } = {},
): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const cut = new Set(opts.cutOnce ?? []);
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    const target = opts.redirects?.[path];
    if (target) {
      res.writeHead(302, { location: target }).end();
      return;
    }
    const body = files[path];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    if (cut.has(path)) {
      cut.delete(path);
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
