// The datagram socket as the protocol code needs it: injectable so tests drive servers in-process.
import dgram from 'node:dgram';

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

/** A real UDP socket bound to host:port, broadcast enabled. */
export async function bindUdp(port: number, host = '0.0.0.0', opts: { broadcast?: boolean; recvBuffer?: number } = {}): Promise<DatagramSocket> {
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
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
  return wrapDgram(sock);
}

export function wrapDgram(sock: dgram.Socket): DatagramSocket {
  let closed = false;
  return {
    send: (msg, port, address, cb) => {
      if (closed) return cb?.(null);
      sock.send(msg, port, address, (err) => cb?.(err ?? null));
    },
    onMessage: (h) => void sock.on('message', (m, r) => h(m, { address: r.address, port: r.port })),
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
