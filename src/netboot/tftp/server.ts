// Read-only TFTP server: each transfer gets its own socket (its TID), per RFC 1350.
import { OP, ERR, decodeTftp, errorPacket } from './packet.js';
import { PathRefused, type FileResolver } from './files.js';
import { Transfer, negotiate } from './transfer.js';
import type { RunningTransfer, TransferPool } from './pool.js';
import type { DatagramSocket, RemoteInfo } from '../dhcp/socket.js';
import type { EventSink } from '../events.js';

export interface TftpConfig {
  files: FileResolver;
  onEvent: EventSink;
  /** Largest blksize granted: 1468 fits a 1500-byte Ethernet MTU; loopback allows more. */
  maxBlksize?: number;
  maxWindow?: number;
  /** Whether a transfer needing more than 65535 blocks may wrap the block counter to 0. */
  allowRollover?: (file: string, options: Map<string, string>) => boolean;
  /** Socket for one transfer (tests inject lossy ones). */
  transferSocket: (peer: RemoteInfo) => Promise<DatagramSocket>;
  /** A transfer without progress for this long is abandoned (default 20 s). */
  giveUpMs?: number;
  /** Threads for transfers of files on disk; without it every transfer runs on this thread. */
  pool?: TransferPool;
}

/** Old Pi bootloaders cannot wrap the block counter; they read from `<serial>/` folders. */
export const defaultRollover = (file: string): boolean => !/^[0-9a-f]{8}\//i.test(file);

export class TftpServer {
  private readonly active = new Map<string, RunningTransfer>();
  /** Peers whose request is being set up (file open, socket bind): a retransmitted RRQ must not start a second transfer. */
  private readonly starting = new Set<string>();
  private closed = false;
  constructor(private readonly cfg: TftpConfig, private readonly main: DatagramSocket) {
    main.onMessage((m, from) => void this.onRequest(m, from));
  }

  get activeTransfers(): number {
    return this.active.size;
  }

  close(): void {
    this.closed = true;
    this.main.close();
    for (const t of this.active.values()) t.abort();
  }

  private async onRequest(msg: Buffer, from: RemoteInfo): Promise<void> {
    const peer = `${from.address}:${from.port}`;
    let pkt;
    try {
      pkt = decodeTftp(msg);
    } catch (err) {
      this.cfg.onEvent({ type: 'bad-packet', proto: 'tftp', peer, reason: (err as Error).message });
      return;
    }
    const reply = (code: number, text: string) => this.main.send(errorPacket(code, text), from.port, from.address);
    if (pkt.op === OP.WRQ) return reply(ERR.ACCESS, 'read-only server');
    if (pkt.op !== OP.RRQ) {
      // Some clients (atftp after a timeout) send ACKs to port 69 instead of the transfer's port:
      // hand them to the transfer. Anything else is ignored: answering strays on port 69 aborts such clients.
      if (pkt.op === OP.ACK || pkt.op === OP.ERROR) this.active.get(peer)?.receive(msg, from);
      return;
    }
    // A retransmitted RRQ means our first answer (OACK or DATA 1) was lost: the running transfer resends it.
    if (this.starting.has(peer)) return;
    const running = this.active.get(peer);
    if (running) return running.requestRepeated();
    this.starting.add(peer);
    try {
      await this.startTransfer(pkt, from, peer, reply);
    } finally {
      this.starting.delete(peer);
    }
  }

  private async startTransfer(pkt: { file: string; mode: string; options: Map<string, string> }, from: RemoteInfo, peer: string, reply: (code: number, text: string) => void): Promise<void> {
    if (pkt.mode !== 'octet' && pkt.mode !== 'binary') {
      reply(ERR.ILLEGAL_OP, `mode ${pkt.mode} not supported: use octet`);
      return;
    }
    let file;
    try {
      file = await this.cfg.files.open(pkt.file, peer);
    } catch (err) {
      const why = err instanceof PathRefused ? err.message : `cannot read: ${(err as Error).message}`;
      this.cfg.onEvent({ type: 'refused', proto: 'tftp', file: pkt.file, peer, reason: why });
      reply(err instanceof PathRefused ? ERR.ACCESS : ERR.UNDEFINED, why);
      return;
    }
    if (!file) {
      this.cfg.onEvent({ type: 'file-missing', proto: 'tftp', file: pkt.file, peer });
      reply(ERR.NOT_FOUND, 'file not found');
      return;
    }
    const terms = negotiate(pkt.options, file.size, this.cfg.maxBlksize ?? 1468, this.cfg.maxWindow ?? 64);
    const blocks = Math.floor(file.size / terms.blksize) + 1;
    const rollover = blocks > 65535 && !(this.cfg.allowRollover ?? defaultRollover)(pkt.file, pkt.options);
    if (rollover) {
      file.close();
      const why = `${pkt.file} needs ${blocks} blocks at blksize ${terms.blksize}: more than this client can count`;
      this.cfg.onEvent({ type: 'refused', proto: 'tftp', file: pkt.file, peer, reason: why });
      reply(ERR.UNDEFINED, `${why}; ask for a larger blksize`);
      return;
    }
    if (this.closed) return file.close();
    const giveUpMs = this.cfg.giveUpMs ?? 20_000;
    const threaded = file.path && this.cfg.pool?.start({ peer: { address: from.address, port: from.port }, name: pkt.file, path: file.path, size: file.size, terms, giveUpMs });
    if (threaded) {
      file.close();
      return this.track(peer, threaded);
    }
    let sock: DatagramSocket;
    try {
      sock = await this.cfg.transferSocket(from);
    } catch (err) {
      file.close();
      reply(ERR.UNDEFINED, 'server busy');
      this.cfg.onEvent({ type: 'error', message: `tftp transfer socket: ${(err as Error).message}` });
      return;
    }
    const t = new Transfer({ sock, peer: from, name: pkt.file, file, terms, onEvent: this.cfg.onEvent, giveUpMs });
    this.track(peer, t);
    t.start();
  }

  private track(peer: string, t: RunningTransfer): void {
    this.active.set(peer, t);
    void t.done.finally(() => {
      if (this.active.get(peer) === t) this.active.delete(peer);
    });
  }
}
