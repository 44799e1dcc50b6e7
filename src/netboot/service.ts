// DHCP + TFTP + HTTP started together; the first fatal error stops everything.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { RackError, diag } from '../errors.js';
import { DhcpServer } from './dhcp/server.js';
import { bindUdp, type DatagramSocket, type RemoteInfo } from './dhcp/socket.js';
import { TftpServer, defaultRollover } from './tftp/server.js';
import { DirectoryResolver, chainResolvers } from './tftp/files.js';
import { TransferPool } from './tftp/pool.js';
import { bindTransferSocket } from './tftp/transfer.js';
import { startHttp, type HttpBootServer } from './http/server.js';
import { BootTrees } from './trees.js';
import type { ProfileSource } from './profiles.js';
import type { NetbootEvent } from './events.js';

export interface NetbootOptions {
  profiles: ProfileSource;
  imagesDir: string;
  /** Chainload files (undionly.kpxe, ipxe.efi, pxelinux.0); default images/netboot/tftp. */
  tftpRoot?: string;
  serverIp: string;
  subnetMask: string;
  /** Where replies to unconfigured clients go; default: the subnet broadcast. */
  broadcast?: string;
  router?: string;
  dns?: string[];
  range?: { first: string; last: string };
  mode: 'proxy' | 'authoritative';
  discover?: boolean;
  /** Address the sockets bind to; 0.0.0.0 is needed to receive DHCP broadcasts. */
  bindAddress?: string;
  ports?: { dhcp?: number; proxy?: number; tftp?: number; http?: number };
  /** Largest TFTP blksize: 1468 for Ethernet; more only on loopback. */
  maxBlksize?: number;
  /** Threads sending TFTP data: default one per core, at most 4; 0 keeps transfers on the main thread. */
  tftpThreads?: number;
  /** Pre-made sockets (tests drive the servers in-process). */
  sockets?: { dhcp?: DatagramSocket; proxy?: DatagramSocket; tftp?: DatagramSocket; tftpTransfer?: (peer: RemoteInfo) => Promise<DatagramSocket> };
  /** Skip a protocol (e.g. TFTP-only benchmarks). */
  disable?: Array<'dhcp' | 'tftp' | 'http'>;
  /** Subscribed before anything starts, so 'listening' events are seen too. */
  onEvent?: (e: NetbootEvent) => void;
}

export interface NetbootService {
  events: EventEmitter; // 'event' (NetbootEvent)
  httpPort: number;
  tftpPort: number;
  /** Resolves when stopped; rejects with the first fatal error. */
  done: Promise<void>;
  stop(): Promise<void>;
  activeTransfers(): number;
}

export function subnetBroadcast(ip: string, mask: string): string {
  const a = ip.split('.').map(Number);
  const m = mask.split('.').map(Number);
  return a.map((o, i) => (o & m[i]) | (~m[i] & 255)).join('.');
}

function bindFailure(what: string, port: number, err: Error): RackError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint = code === 'EADDRINUSE' ? `another DHCP/TFTP/HTTP server holds port ${port} (dnsmasq?)` : code === 'EACCES' ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE' : undefined;
  return new RackError(diag('E_NETBOOT_BIND', `cannot listen for ${what} on port ${port}: ${err.message}`, undefined, hint));
}

export async function startNetboot(o: NetbootOptions): Promise<NetbootService> {
  const events = new EventEmitter();
  if (o.onEvent) events.on('event', o.onEvent);
  const emit = (e: NetbootEvent) => events.emit('event', e);
  const bind = o.bindAddress ?? '0.0.0.0';
  const off = new Set(o.disable ?? []);
  const closers: Array<() => unknown> = [];
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {}); // observed by callers that care
  let stopped = false;
  const stop = async (err?: Error) => {
    if (stopped) return;
    stopped = true;
    for (const c of closers.reverse()) await c();
    if (err) settle.reject(err);
    else settle.resolve();
  };
  const fatal = (what: string) => (err: Error) => {
    emit({ type: 'error', message: `${what}: ${err.message}` });
    void stop(err);
  };
  const udp = async (given: DatagramSocket | undefined, port: number, what: string, broadcast = false) => {
    if (given) return given;
    try {
      return await bindUdp(port, bind, { broadcast, recvBuffer: 4 * 1024 * 1024 });
    } catch (err) {
      throw bindFailure(what, port, err as Error);
    }
  };

  try {
    const httpWanted = o.ports?.http ?? 8080;
    const trees = new BootTrees({ profiles: o.profiles, imagesDir: o.imagesDir, serverIp: o.serverIp, httpPort: httpWanted });
    const files = chainResolvers(trees, new DirectoryResolver(o.tftpRoot ?? path.join(o.imagesDir, 'netboot', 'tftp')));
    let http: HttpBootServer | undefined;
    if (!off.has('http')) {
      http = await startHttp({ files, port: httpWanted, host: bind, onEvent: emit }).catch((err) => {
        throw bindFailure('HTTP', httpWanted, err);
      });
      closers.push(() => http!.close());
      emit({ type: 'listening', proto: 'http', address: bind, port: http.port });
    }
    let tftp: TftpServer | undefined;
    let tftpPort = 0;
    if (!off.has('tftp')) {
      const sock = await udp(o.sockets?.tftp, o.ports?.tftp ?? 69, 'TFTP');
      sock.onError(fatal('tftp'));
      tftpPort = sock.address().port;
      let transferSocket = o.sockets?.tftpTransfer;
      let pool: TransferPool | undefined;
      if (!transferSocket) {
        // Transfers answer from the server's address, not 0.0.0.0, so clients see the address they asked.
        const host = bind === '0.0.0.0' ? o.serverIp : bind;
        transferSocket = (peer) => bindTransferSocket(host, peer);
        const threads = o.tftpThreads ?? Math.min(4, os.availableParallelism());
        if (threads > 0) {
          pool = new TransferPool(threads, host, emit);
          closers.push(() => pool!.close());
        }
      }
      tftp = new TftpServer({ files, onEvent: emit, maxBlksize: o.maxBlksize ?? 1468, allowRollover: defaultRollover, transferSocket, pool }, sock);
      closers.push(() => tftp!.close());
      emit({ type: 'listening', proto: 'tftp', address: bind, port: tftpPort });
    }
    if (!off.has('dhcp')) {
      const main = await udp(o.sockets?.dhcp, o.ports?.dhcp ?? 67, 'DHCP', true);
      closers.push(() => main.close());
      const pxe = o.mode === 'proxy' ? await udp(o.sockets?.proxy, o.ports?.proxy ?? 4011, 'proxyDHCP') : undefined;
      if (pxe) closers.push(() => pxe.close());
      main.onError(fatal('dhcp'));
      pxe?.onError(fatal('proxydhcp'));
      const dhcp = new DhcpServer({
        mode: o.mode,
        serverIp: o.serverIp,
        subnetMask: o.subnetMask,
        broadcast: o.broadcast ?? subnetBroadcast(o.serverIp, o.subnetMask),
        router: o.router,
        dns: o.dns,
        range: o.range,
        httpPort: http?.port ?? httpWanted,
        discover: !!o.discover,
        profiles: o.profiles,
        onEvent: emit,
      }, { main, pxe });
      closers.push(() => dhcp.close());
      emit({ type: 'listening', proto: 'dhcp', address: bind, port: main.address().port });
      if (pxe) emit({ type: 'listening', proto: 'proxydhcp', address: bind, port: pxe.address().port });
    }
    return {
      events,
      httpPort: http?.port ?? 0,
      tftpPort,
      done,
      stop: () => stop(),
      activeTransfers: () => tftp?.activeTransfers ?? 0,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls until every named node answers `isUp` (e.g. SSH); rejects with the ones missing at the deadline. */
export async function waitForBoots(names: string[], isUp: (name: string) => Promise<boolean>, opts: { timeoutMs?: number; intervalMs?: number; onUp?: (name: string) => void } = {}): Promise<void> {
  const pending = new Set(names);
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  while (pending.size) {
    await Promise.all([...pending].map(async (n) => {
      if (await isUp(n).catch(() => false)) {
        pending.delete(n);
        opts.onUp?.(n);
      }
    }));
    if (!pending.size) return;
    if (Date.now() > deadline) {
      throw new RackError(diag('E_NETBOOT_TIMEOUT', `nodes did not come up: ${[...pending].join(', ')}`, undefined, 'watch `rack netboot` output: did they get DHCP answers and their files?'));
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
  }
}
