// An in-memory datagram network: servers get injected sockets, tests talk to them directly.
import type { DatagramSocket, RemoteInfo } from '../../src/netboot/dhcp/socket.js';

export class MemNet {
  private readonly sockets = new Map<string, (m: Buffer, from: RemoteInfo) => void>();
  private nextPort = 40000;
  /** Every datagram sent: [from, to, bytes]. */
  readonly log: Array<{ from: RemoteInfo; to: RemoteInfo; msg: Buffer }> = [];
  /** Drop decision per datagram (fault injection). */
  drop: (msg: Buffer, to: RemoteInfo) => boolean = () => false;

  socket(address: string, port = this.nextPort++): DatagramSocket & { inbox: Array<{ msg: Buffer; from: RemoteInfo }> } {
    const self: RemoteInfo = { address, port };
    const key = `${address}:${port}`;
    const handlers: Array<(m: Buffer, from: RemoteInfo) => void> = [];
    const inbox: Array<{ msg: Buffer; from: RemoteInfo }> = [];
    this.sockets.set(key, (m, from) => {
      inbox.push({ msg: m, from });
      for (const h of handlers) h(m, from);
    });
    return {
      inbox,
      send: (msg, toPort, toAddress, cb) => {
        const to = { address: toAddress, port: toPort };
        this.log.push({ from: self, to, msg: Buffer.from(msg) });
        if (!this.drop(msg, to)) {
          const h = this.sockets.get(`${toAddress}:${toPort}`);
          const copy = Buffer.from(msg);
          if (h) setImmediate(() => h(copy, self));
        }
        cb?.(null);
      },
      onMessage: (h) => void handlers.push(h),
      onError: () => {},
      address: () => self,
      close: () => void this.sockets.delete(key),
    };
  }
}

export async function until<T>(fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
