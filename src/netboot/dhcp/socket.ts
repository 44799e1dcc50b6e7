// The datagram socket as the protocol code needs it: injectable so tests drive servers in-process.
import dgram from 'node:dgram';
import type dns from 'node:dns';

export interface RemoteInfo {
  address: string;
  port: number;
}

export interface DatagramSocket {
  send(msg: Buffer, port: number, address: string, cb?: (err: Error | null) => void): void;
  onMessage(handler: (msg: Buffer, from: RemoteInfo) => void): void;
  onError(handler: (err: Error) => void): void;
  address(): RemoteInfo;
  close(): void;
}

/**
 * Every address rack sends to is an IPv4 literal: answering the socket's lookup at once spares
 * Node's default (a deferred `dns.lookup`) a tick on every datagram sent.
 */
const literalLookup = ((address: string, _opts: unknown, cb: (err: Error | null, address: string, family: number) => void) => cb(null, address, 4)) as unknown as typeof dns.lookup;

/** A real UDP socket bound to host:port, broadcast enabled. */
export async function bindUdp(port: number, host = '0.0.0.0', opts: { broadcast?: boolean; recvBuffer?: number; connectTo?: RemoteInfo } = {}): Promise<DatagramSocket> {
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false, lookup: literalLookup });
  await new Promise<void>((resolve, reject) => {
    const onErr = (err: Error) => reject(err);
    sock.once('error', onErr);
    sock.bind(port, host, () => {
      sock.off('error', onErr);
      resolve();
    });
  });
  if (opts.broadcast) sock.setBroadcast(true);
  if (opts.recvBuffer) {
    try {
      sock.setRecvBufferSize(opts.recvBuffer);
      sock.setSendBufferSize(opts.recvBuffer);
    } catch {
      // the kernel caps buffer sizes; a smaller buffer only costs retransmissions
    }
  }
  if (opts.connectTo) {
    const { port: p, address } = opts.connectTo;
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(p, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  }
  return wrapDgram(sock, !!opts.connectTo);
}

/** `connected`: the kernel drops datagrams from anyone else, and sends skip the route lookup. */
export function wrapDgram(sock: dgram.Socket, connected = false): DatagramSocket {
  let closed = false;
  return {
    send: (msg, port, address, cb) => {
      if (closed) return cb?.(null);
      if (connected) return cb ? sock.send(msg, (err) => cb(err ?? null)) : sock.send(msg);
      // No callback when nobody waits for one: Node then skips a tick per datagram.
      if (cb) sock.send(msg, port, address, (err) => cb(err ?? null));
      else sock.send(msg, port, address);
    },
    onMessage: (h) => void sock.on('message', h), // Node's rinfo is a RemoteInfo (with family and size too)
    onError: (h) => void sock.on('error', h),
    address: () => {
      const a = sock.address();
      return { address: a.address, port: a.port };
    },
    close: () => {
      if (closed) return;
      closed = true;
      sock.close();
    },
  };
}
