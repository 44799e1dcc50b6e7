import type { Secret } from '../commands/secret.js';

export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  rc: number;
}

export interface ExecOptions {
  /** Bytes fed to the command's stdin (binary-safe). */
  stdin?: Buffer | string;
  /** Extra environment for this command. */
  env?: Record<string, string>;
  /** Run through sudo (as becomeUser, default root). */
  become?: boolean;
  becomeUser?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** How to reach one host: what the inventory, ~/.ssh/config and the CLI settle on. */
export interface ConnectOptions {
  /** Inventory name, used in messages. */
  name: string;
  connection: 'ssh' | 'local';
  address: string;
  port: number;
  user?: string;
  keyFile?: string;
  password?: Secret;
  becomePassword?: Secret;
  /** `user@host:port` of a jump host (ProxyJump), several comma-separated. */
  proxyJump?: string;
  /** known_hosts files to check, first one is where --trust-new-hosts records keys. */
  knownHostsFiles: string[];
  trustNewHosts: boolean;
  connectTimeoutMs: number;
  /** Extra ssh arguments (ansible_ssh_common_args): -o UserKnownHostsFile=..., -o Port=... */
  sshArgs?: string;
}

/** One open session to a host. exec runs POSIX sh text and returns exact exit code and split output. */
export interface Connection {
  readonly name: string;
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Read a whole remote file (for fetch/slurp of large files). */
  get(path: string, opts?: { become?: boolean }): Promise<Buffer>;
  close(): Promise<void>;
}

/** The host cannot be reached or its key is refused: the host is 'unreachable', not failed. */
export class UnreachableError extends Error {
  constructor(
    readonly host: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}
