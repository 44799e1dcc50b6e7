import type { Duplex, Readable } from 'node:stream';

/** The parts of ssh2's Client and channels rack uses (ssh2 ships no type declarations). */
export interface SshChannel extends Duplex {
  stderr: Readable;
  on(event: 'data', cb: (chunk: Buffer) => void): this;
  on(event: 'close' | 'error' | 'finish', cb: (arg?: unknown) => void): this;
  on(event: string, cb: (...args: any[]) => void): this;
  signal(name: string): void;
}

export interface SftpSession {
  createReadStream(path: string): Readable;
  end(): void;
}

export interface SshClient {
  exec(command: string, cb: (err: Error | undefined, channel: SshChannel) => void): boolean;
  sftp(cb: (err: Error | undefined, sftp: SftpSession) => void): boolean;
  forwardOut(srcIP: string, srcPort: number, dstIP: string, dstPort: number, cb: (err: Error | undefined, ch: SshChannel) => void): boolean;
  on(event: 'close' | 'end', cb: () => void): this;
  on(event: 'error', cb: (e: Error) => void): this;
  end(): void;
}
