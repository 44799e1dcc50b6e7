// One read transfer: windowed sending (RFC 7440; windowsize 1 is RFC 1350 lock-step),
// adaptive retransmission, and no reply to duplicate ACKs (no sorcerer's apprentice).
//
// The OACK is not resent on the short data timer. Clients recover the start of a transfer
// themselves: a lost OACK makes them repeat the RRQ (answered by requestRepeated), a lost ACK 0
// makes them repeat ACK 0. Some (atftp) abort on a second OACK, so an OACK resent by our timer
// racing their own ACK 0 retransmission killed the transfer. Our timer only covers clients that
// stay silent, after a wait longer than any client's own retransmission.
import { OP, ERR, decodeTftp, errorPacket, oackPacket } from './packet.js';
import type { ServedFile } from './files.js';
import { bindUdp, type DatagramSocket, type RemoteInfo } from '../dhcp/socket.js';
import type { EventSink } from '../events.js';

export interface Terms {
  blksize: number;
  windowsize: number;
  timeoutMs: number; // the longest wait before resending (RFC 2349 value, else 1 s)
  /** Options to acknowledge in an OACK; empty means plain RFC 1350 (DATA 1 first). */
  oack: Map<string, string>;
}

/** RFC 2347/2348/2349/7440: grant what we support, ignore the rest. */
export function negotiate(opts: Map<string, string>, size: number, maxBlksize: number, maxWindow: number): Terms {
  const terms: Terms = { blksize: 512, windowsize: 1, timeoutMs: 1000, oack: new Map() };
  const int = (k: string) => (/^\d{1,9}$/.test(opts.get(k) ?? '') ? Number(opts.get(k)) : NaN);
  const blk = int('blksize');
  if (blk >= 8) {
    terms.blksize = Math.min(blk, maxBlksize, 65464);
    terms.oack.set('blksize', String(terms.blksize));
  }
  const timeout = int('timeout');
  if (timeout >= 1 && timeout <= 255) {
    terms.timeoutMs = timeout * 1000;
    terms.oack.set('timeout', String(timeout));
  }
  if (opts.has('tsize') && int('tsize') >= 0) terms.oack.set('tsize', String(size));
  const win = int('windowsize');
  if (win >= 1) {
    terms.windowsize = Math.min(win, maxWindow, 65535);
    terms.oack.set('windowsize', String(terms.windowsize));
  }
  return terms;
}

/**
 * A socket for one transfer (its TID), answering from `host` and connected to the client: the
 * kernel then drops strays and skips a route lookup per datagram. `host` may not be bindable
 * (an address that moved); any address will do then.
 */
export function bindTransferSocket(host: string, peer: RemoteInfo): Promise<DatagramSocket> {
  const opts = { recvBuffer: 1024 * 1024, connectTo: peer };
  return bindUdp(0, host, opts).catch(() => bindUdp(0, '0.0.0.0', opts));
}

export interface TransferInit {
  sock: DatagramSocket;
  peer: RemoteInfo;
  name: string;
  file: ServedFile;
  terms: Terms;
  onEvent: EventSink;
  /** Give up after this long without progress (clients may wait 5 s or more before re-ACKing). */
  giveUpMs: number;
}

const MIN_RTO = 30;
/** Wait before resending an OACK nobody asked for: longer than clients' own ACK 0 retry (atftp: 5 s). */
const OACK_FALLBACK_MS = 7000;
/** A repeated RRQ this soon after our answer was sent before the client could see it. */
const CROSSED_MS = 100;
const PROGRESS_EVERY = 4 * 1024 * 1024;

export class Transfer {
  readonly done: Promise<void>;
  private finish!: () => void;
  private readonly totalBlocks: number;
  /** Blocks are counted from 1 without wrapping; the wire carries them mod 65536. */
  private acked = 0;
  private sentUpTo = 0;
  private awaitingOackAck: boolean;
  private timer: NodeJS.Timeout | undefined;
  /** When the outstanding window counts as lost. */
  private deadline = 0;
  /** When the pending timer fires. It may fire before the deadline and wait the rest, so moving the deadline later (every packet) costs no timer work. */
  private timerAt = 0;
  private lastProgress = Date.now();
  private rto: number;
  private srtt = 0;
  private sentAt = 0;
  private resent = false;
  private finished = false;
  private nextProgress = PROGRESS_EVERY;
  private readonly started = Date.now();
  private readonly peerName: string;

  constructor(private readonly t: TransferInit) {
    this.done = new Promise((r) => (this.finish = r));
    this.totalBlocks = Math.floor(t.file.size / t.terms.blksize) + 1;
    this.awaitingOackAck = t.terms.oack.size > 0;
    this.rto = Math.min(t.terms.timeoutMs, 1000);
    this.peerName = `${t.peer.address}:${t.peer.port}`;
    t.sock.onMessage((m, from) => this.onPacket(m, from));
    t.sock.onError((err) => this.fail(`socket: ${err.message}`));
  }

  start(): void {
    this.t.onEvent({ type: 'transfer-start', proto: 'tftp', file: this.t.name, peer: this.peerName, size: this.t.file.size });
    if (this.awaitingOackAck) this.sendOack();
    else this.sendWindow();
  }

  abort(): void {
    this.end();
  }

  private send(buf: Buffer): void {
    this.t.sock.send(buf, this.t.peer.port, this.t.peer.address);
  }

  private sendOack(): void {
    this.send(oackPacket(this.t.terms.oack));
    this.arm(Math.max(OACK_FALLBACK_MS, 2 * this.t.terms.timeoutMs));
  }

  /** The client repeated its RRQ: our first answer was lost (or it has not seen it yet). */
  requestRepeated(): void {
    // An RRQ arriving right after our answer most likely crossed it on the wire: answering again
    // would hand the client a duplicate it may not accept.
    if (this.finished || Date.now() - this.sentAt < CROSSED_MS) return;
    this.resent = true; // the next round trip is ambiguous (Karn)
    if (this.awaitingOackAck) this.sendOack();
    else if (this.acked === 0) this.sendWindow();
  }

  /** Sends the window after the last ACKed block. Synchronous when the bytes are cached (the per-packet case). */
  private sendWindow(now = Date.now()): void {
    const { blksize, windowsize } = this.t.terms;
    const from = this.acked + 1;
    const to = Math.min(this.acked + windowsize, this.totalBlocks);
    const startPos = (from - 1) * blksize;
    const len = (to - from + 1) * blksize;
    const data = this.t.file.readNow?.(startPos, len);
    if (data) this.sendBlocks(from, to, data, now);
    else void this.readAndSend(from, to, startPos, len);
  }

  private async readAndSend(from: number, to: number, startPos: number, len: number): Promise<void> {
    let data;
    try {
      data = await this.t.file.read(startPos, len);
    } catch (err) {
      this.send(errorPacket(ERR.UNDEFINED, 'read error'));
      return this.fail(`read: ${(err as Error).message}`);
    }
    if (this.finished || from !== this.acked + 1) return; // an ACK moved the window meanwhile
    this.sendBlocks(from, to, data, Date.now());
  }

  private sendBlocks(from: number, to: number, data: Buffer, now: number): void {
    const { blksize } = this.t.terms;
    for (let b = from; b <= to; b++) {
      const off = (b - from) * blksize;
      const end = Math.min(off + blksize, data.length);
      const pkt = Buffer.allocUnsafe(4 + end - off);
      pkt[0] = 0;
      pkt[1] = OP.DATA;
      pkt[2] = (b >> 8) & 255;
      pkt[3] = b & 255;
      data.copy(pkt, 4, off, end);
      this.send(pkt);
    }
    this.sentUpTo = to;
    this.arm(this.rto, now);
  }

  private arm(ms = this.rto, now = Date.now()): void {
    this.sentAt = now;
    this.deadline = now + ms;
    if (this.timer && this.timerAt <= this.deadline) return;
    clearTimeout(this.timer);
    this.setTimer(ms, now);
  }

  private setTimer(ms: number, now: number): void {
    this.timerAt = now + ms;
    this.timer = setTimeout(this.onTimer, ms);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.finished) return;
    const now = Date.now();
    if (now < this.deadline) return this.setTimer(this.deadline - now, now);
    this.onTimeout();
  };

  private onTimeout(): void {
    if (this.finished) return;
    if (Date.now() - this.lastProgress > this.t.giveUpMs) return this.fail('client stopped answering');
    this.resent = true;
    if (this.awaitingOackAck) return this.sendOack();
    this.rto = Math.min(this.rto * 2, this.t.terms.timeoutMs);
    this.sendWindow();
  }

  /** A packet for this transfer that arrived on the server's main socket. */
  receive(msg: Buffer, from: RemoteInfo): void {
    this.onPacket(msg, from);
  }

  private onPacket(msg: Buffer, from: RemoteInfo): void {
    if (this.finished) return;
    if (from.address !== this.t.peer.address || from.port !== this.t.peer.port) {
      this.t.sock.send(errorPacket(ERR.UNKNOWN_TID, 'unknown transfer ID'), from.port, from.address);
      return;
    }
    if (msg.length >= 4 && msg[0] === 0 && msg[1] === OP.ACK) return this.onAck((msg[2] << 8) | msg[3]); // the common case, undecoded
    let pkt;
    try {
      pkt = decodeTftp(msg);
    } catch {
      return;
    }
    if (pkt.op === OP.ERROR) {
      // The Pi probes files (tsize, then "Early terminate") before reading them: normal.
      if (this.acked === 0) this.t.onEvent({ type: 'transfer-probe', proto: 'tftp', file: this.t.name, peer: this.peerName });
      else this.t.onEvent({ type: 'transfer-failed', proto: 'tftp', file: this.t.name, peer: this.peerName, reason: `client error ${pkt.code}: ${pkt.message}` });
      return this.end();
    }
    if (pkt.op !== OP.ACK) return;
    this.onAck(pkt.block);
  }

  private onAck(wire: number): void {
    if (this.awaitingOackAck) {
      if (wire !== 0) return;
      this.awaitingOackAck = false;
      this.sendWindow(this.gotProgress());
      return;
    }
    // Map the 16-bit number to the absolute block inside the outstanding window.
    const ahead = (wire - (this.acked & 0xffff) + 0x10000) & 0xffff;
    if (ahead === 0 || this.acked + ahead > this.sentUpTo) return; // duplicate or stale: the timer handles loss
    this.acked += ahead;
    const now = this.gotProgress();
    if (this.acked >= this.totalBlocks) return this.complete();
    const bytes = this.acked * this.t.terms.blksize;
    if (bytes >= this.nextProgress) {
      this.nextProgress += PROGRESS_EVERY;
      this.t.onEvent({ type: 'transfer-progress', proto: 'tftp', file: this.t.name, peer: this.peerName, bytes, size: this.t.file.size });
    }
    this.sendWindow(now);
  }

  /** Karn's rule: only unambiguous round trips feed the estimate. Returns the time now. */
  private gotProgress(): number {
    const now = Date.now();
    if (!this.resent) {
      const sample = now - this.sentAt;
      this.srtt = this.srtt === 0 ? sample : (7 * this.srtt + sample) / 8;
      this.rto = Math.min(this.t.terms.timeoutMs, Math.max(MIN_RTO, 3 * this.srtt + 20));
    }
    this.resent = false;
    this.lastProgress = now;
    return now;
  }

  private complete(): void {
    this.t.onEvent({ type: 'transfer-done', proto: 'tftp', file: this.t.name, peer: this.peerName, bytes: this.t.file.size, ms: Date.now() - this.started });
    this.end();
  }

  private fail(reason: string): void {
    if (this.finished) return;
    this.t.onEvent({ type: 'transfer-failed', proto: 'tftp', file: this.t.name, peer: this.peerName, reason });
    this.end();
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.t.file.close();
    this.t.sock.close();
    this.finish();
  }
}
