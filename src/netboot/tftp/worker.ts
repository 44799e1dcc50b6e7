// A TFTP transfer thread. The main thread keeps port 69 and negotiation; transfers of files on
// disk run here, each thread with its own socket and chunk cache, so sending (most of the CPU a
// transfer costs) spreads over the cores. Messages in and out are described in pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import type { RemoteInfo } from '../dhcp/socket.js';
import { DirectoryResolver } from './files.js';
import { Transfer, bindTransferSocket } from './transfer.js';
import type { ToWorker, FromWorker } from './pool.js';

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const { bindHost, cacheBytes } = workerData as { bindHost: string; cacheBytes: number };
const files = new DirectoryResolver('/', cacheBytes);
const running = new Map<number, Transfer>();
/** Aborted before their file was open. */
const aborted = new Set<number>();

async function start(job: Extract<ToWorker, { kind: 'start' }>): Promise<void> {
  const { id, peer } = job;
  const [file, sock] = await Promise.all([files.openReal(job.path).catch(() => undefined), bindTransferSocket(bindHost, peer).catch((err: Error) => err)]);
  const refused = aborted.delete(id) ? '' : sock instanceof Error ? `transfer socket: ${sock.message}` : !file || file.size !== job.size ? 'file changed while the transfer was set up' : undefined;
  if (refused !== undefined || sock instanceof Error || !file) {
    file?.close();
    if (!(sock instanceof Error)) sock.close();
    post({ kind: 'done', id, refused: refused || undefined });
    return;
  }
  const t = new Transfer({ sock, peer, name: job.name, file, terms: job.terms, giveUpMs: job.giveUpMs, onEvent: (event) => post({ kind: 'event', event }) });
  running.set(id, t);
  void t.done.finally(() => {
    running.delete(id);
    post({ kind: 'done', id });
  });
  t.start();
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'start') void start(m);
  else if (m.kind === 'repeat') running.get(m.id)?.requestRepeated();
  else if (m.kind === 'packet') running.get(m.id)?.receive(Buffer.from(m.msg), m.from as RemoteInfo);
  else if (m.kind === 'abort') {
    const t = running.get(m.id);
    if (t) t.abort();
    else aborted.add(m.id);
  }
  else if (m.kind === 'close') {
    for (const t of running.values()) t.abort();
    port.close();
  }
});
