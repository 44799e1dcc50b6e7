import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { quote } from '../commands/quote.js';
import { knownKeyTypes, loadKnownHosts, verifyHostKey } from './known-hosts.js';
import { parseProxyJump } from './proxy-jump.js';
import { parseSshArgs } from './ssh-args.js';
import { expandHome, resolveSshConfig } from './ssh-config.js';
import type { SshChannel, SshClient } from './ssh-types.js';
import { ShellConnection } from './shell-connection.js';
import { closeSignal, ShellSession, type ShellTransport } from './shell-session.js';
import { type Connection, type ConnectOptions, UnreachableError } from './types.js';

const ALL_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Host key algorithms, those matching keys already in known_hosts first (as OpenSSH orders them). */
function hostKeyOrder(knownTypes: string[]): string[] {
  const first = knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  return [...new Set([...first.filter((a) => ALL_HOST_KEY_ALGOS.includes(a)), ...ALL_HOST_KEY_ALGOS])];
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f));

/** Everything needed to open one SSH hop, after inventory, ssh args and ~/.ssh/config are merged. */
interface Endpoint {
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
}

interface HopSettings {
  name: string;
  knownHostsFiles: string[];
  trustNewHosts: boolean;
  connectTimeoutMs: number;
  password?: string;
}

function authList(ep: Endpoint, password?: string): object[] {
  const list: object[] = [];
  for (const file of ep.identityFiles) {
    try {
      list.push({ type: 'publickey', username: ep.user, key: readFileSync(file) });
    } catch {
      // Unreadable or absent key files are skipped, as ssh does.
    }
  }
  if (process.env.SSH_AUTH_SOCK) list.push({ type: 'agent', username: ep.user, agent: process.env.SSH_AUTH_SOCK });
  if (password !== undefined) list.push({ type: 'password', username: ep.user, password });
  return list;
}

function describeConnectError(name: string, ep: Endpoint, e: Error & { code?: string; level?: string }): UnreachableError {
  const where = `${ep.user}@${ep.host}:${ep.port}`;
  if (e.level === 'client-authentication') {
    return new UnreachableError(
      name,
      `authentication failed for ${where}`,
      'check the user, the key file (ansible_ssh_private_key_file), ssh-agent (SSH_AUTH_SOCK) or the password',
    );
  }
  if (e.code === 'ECONNREFUSED') {
    return new UnreachableError(name, `cannot connect to ${where}: connection refused`, 'is sshd running there, and is the port right?');
  }
  if (e.code === 'ETIMEDOUT' || /timed out/i.test(e.message)) {
    return new UnreachableError(name, `cannot connect to ${where}: timed out`, 'is the host up and reachable from here?');
  }
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
    return new UnreachableError(name, `cannot resolve host name '${ep.host}'`, 'check the address in the inventory or ~/.ssh/config');
  }
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') {
    return new UnreachableError(name, `cannot connect to ${where}: no route to host`);
  }
  return new UnreachableError(name, `cannot connect to ${where}: ${e.message}`);
}

async function openHop(ep: Endpoint, s: HopSettings, sock?: Duplex): Promise<SshClient> {
  const policy = { name: s.name, host: ep.host, port: ep.port, files: s.knownHostsFiles, trustNewHosts: s.trustNewHosts };
  const known = knownKeyTypes(await loadKnownHosts(s.knownHostsFiles), ep.host, ep.port);
  let keyError: Error | undefined;
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: ep.host,
      port: ep.port,
      username: ep.user,
      ...(sock ? { sock } : {}),
      readyTimeout: s.connectTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      algorithms: { serverHostKey: hostKeyOrder(known) },
      authHandler: authList(ep, s.password),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        verifyHostKey(policy, key).then(
          () => verify(true),
          (e: Error) => {
            keyError = e;
            verify(false);
          },
        );
      },
    } as Parameters<NodeSSH['connect']>[0]);
  } catch (e) {
    ssh.dispose();
    if (keyError) throw keyError;
    throw describeConnectError(s.name, ep, e as Error);
  }
  return ssh.connection as unknown as SshClient;
}

function forward(client: SshClient, host: string, port: number): Promise<SshChannel> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch))),
  );
}

function openExec(client: SshClient, command: string): Promise<SshChannel> {
  return new Promise((resolve, reject) => client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
}

/** The persistent shell as an SSH exec channel running `sh`. */
async function sshTransport(client: SshClient, name: string): Promise<ShellTransport> {
  let channel: SshChannel;
  try {
    channel = await openExec(client, 'exec sh');
  } catch (e) {
    throw new UnreachableError(name, `cannot open a shell channel: ${(e as Error).message}`);
  }
  const { closed, onClose } = closeSignal();
  channel.on('close', () => closed('remote shell exited'));
  channel.on('error', () => {});
  client.on('close', () => closed('SSH connection closed'));
  return {
    stdin: channel,
    stdout: channel,
    stderr: channel.stderr,
    onClose,
    runSide: async (script) => {
      const side = await openExec(client, 'sh');
      await new Promise<void>((resolve) => {
        side.on('close', () => resolve());
        side.on('data', () => {});
        side.stderr.on('data', () => {});
        side.end(script);
      });
    },
    close: () => channel.end(),
  };
}

function readSftp(client: SshClient, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) return reject(Object.assign(err, { sftpUnavailable: true }));
      const chunks: Buffer[] = [];
      const stream = sftp.createReadStream(path);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e: Error) => {
        sftp.end();
        reject(e);
      });
      stream.on('end', () => {
        sftp.end();
        resolve(Buffer.concat(chunks));
      });
    });
  });
}

/** Open an SSH connection (through ProxyJump hops if any), verify host keys, start the persistent shell lazily. */
export async function connectSsh(opts: ConnectOptions): Promise<Connection> {
  const args = parseSshArgs(opts.sshArgs);
  const localUser = userInfo().username;
  const resolveEndpoint = (alias: string, port?: number, user?: string, keys: string[] = []): Endpoint => {
    const cfg = resolveSshConfig(alias);
    const files = [...keys, ...(cfg.identityFiles ?? [])].map(expandHome);
    return {
      host: cfg.hostName ?? alias,
      port: port ?? cfg.port ?? 22,
      user: user ?? cfg.user ?? localUser,
      identityFiles: files.length ? files : DEFAULT_IDENTITIES.filter((f) => existsSync(f)),
    };
  };
  const cfg = resolveSshConfig(opts.address);
  // Port 22 is the inventory default, so ~/.ssh/config may override it; any other inventory port wins.
  const port = args.port ?? (opts.port !== 22 ? opts.port : (cfg.port ?? 22));
  const keys = [opts.keyFile, ...(args.identityFiles ?? [])].filter((k): k is string => !!k);
  const target = resolveEndpoint(opts.address, port, args.user ?? opts.user, keys);
  const strict = args.strictHostKeyChecking ?? cfg.strictHostKeyChecking;
  const settings: HopSettings = {
    name: opts.name,
    knownHostsFiles: (args.knownHostsFiles ?? (opts.knownHostsFiles.length ? opts.knownHostsFiles : cfg.knownHostsFiles) ?? []).map(expandHome),
    trustNewHosts: opts.trustNewHosts || strict === 'accept-new' || strict === 'no' || strict === 'off',
    connectTimeoutMs: opts.connectTimeoutMs,
  };
  const hops = parseProxyJump(args.proxyJump ?? opts.proxyJump ?? cfg.proxyJump).map((h) =>
    resolveEndpoint(h.host, h.port, h.user ?? opts.user, opts.keyFile ? [opts.keyFile] : []),
  );
  const clients: SshClient[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of clients.reverse()) c.end();
  };
  try {
    let sock: Duplex | undefined;
    for (const [i, hop] of hops.entries()) {
      clients.push(await openHop(hop, settings, sock));
      const next = hops[i + 1] ?? target;
      try {
        sock = await forward(clients[clients.length - 1], next.host, next.port);
      } catch (e) {
        throw new UnreachableError(
          opts.name,
          `jump host ${hop.host}:${hop.port} cannot reach ${next.host}:${next.port}: ${(e as Error).message}`,
        );
      }
    }
    const password = opts.password?.reveal();
    clients.push(await openHop(target, { ...settings, ...(password !== undefined ? { password } : {}) }, sock));
  } catch (e) {
    await closeAll();
    throw e;
  }
  const client = clients[clients.length - 1];
  const conn: ShellConnection = new ShellConnection(
    opts.name,
    async () => ShellSession.start(opts.name, await sshTransport(client, opts.name), opts.becomePassword),
    async (path) => {
      try {
        return await readSftp(client, path);
      } catch (e) {
        if (!(e as { sftpUnavailable?: boolean }).sftpUnavailable) throw e;
        const r = await conn.exec(`cat -- ${quote(path)}`);
        if (r.rc !== 0) throw new Error(r.stderr.toString().trim() || `rc ${r.rc}`);
        return r.stdout;
      }
    },
    closeAll,
  );
  return conn;
}
