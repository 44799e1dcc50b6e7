/**
 * A real OpenSSH server for tests: Debian's /usr/sbin/sshd on loopback with a high port,
 * fresh host and client keys in a temp dir, killed by PID in stop().
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** Why sshd tests cannot run here, or undefined when they can. */
export function sshdSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run sshd';
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  return undefined;
}

export interface SshdOptions {
  host?: string; // a 127.0.0.x address, default 127.0.0.1
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** Extra sshd_config lines. */
  config?: string[];
}

export interface TestSshd {
  host: string;
  port: number;
  dir: string;
  /** Private key accepted for root (and any user: AuthorizedKeysFile is shared). */
  keyFile: string;
  /** `[host]:port type base64` line for a known_hosts file. */
  knownHostsLine: string;
  /** As printed by `ssh-keygen -lf`: SHA256:... */
  hostKeyFingerprint: string;
  hostKeyType: string;
  stop(): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something on host:port speaks SSH. */
function sshBanner(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('data', (d) => done(d.toString().startsWith('SSH-')));
    sock.on('error', () => done(false));
  });
}

function keygen(type: string, file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'rack-test', '-f', file], { stdio: 'ignore' });
}

async function waitUntilReady(child: ChildProcess, host: string, port: number, log: () => string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await sshBanner(host, port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not come up on ${host}:${port}: ${log()}`);
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  const host = opts.host ?? '127.0.0.1';
  const type = opts.hostKeyType ?? 'ed25519';
  const dir = mkdtempSync(join(tmpdir(), 'rack-sshd-'));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, `host_${type}_key`);
  const keyFile = join(dir, 'client_key');
  keygen(type, hostKey);
  keygen('ed25519', keyFile);
  // Readable by every user: sshd reads it as the logging-in user, and tests log in as others too.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${keyFile}.pub`), { mode: 0o644 });
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const hostKeyFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(/\s+/)[1];

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(host);
    const cfg = join(dir, 'sshd_config');
    writeFileSync(
      cfg,
      [
        // sshd keeps the first value of an option, so the caller's lines come first.
        ...(opts.config ?? []),
        `Port ${port}`,
        `ListenAddress ${host}`,
        `HostKey ${hostKey}`,
        'PidFile none',
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'AllowTcpForwarding yes',
        'MaxStartups 100:30:200',
        'MaxSessions 100',
        'LogLevel ERROR',
        'Subsystem sftp internal-sftp',
      ].join('\n') + '\n',
    );
    let log = '';
    const child = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    if (!(await waitUntilReady(child, host, port, () => log))) continue; // port taken meanwhile: try another
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    };
    return {
      host,
      port,
      dir,
      keyFile,
      knownHostsLine: `[${host}]:${port} ${hostPub[0]} ${hostPub[1]}`,
      hostKeyFingerprint,
      hostKeyType: hostPub[0],
      stop,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('could not start sshd on a free port');
}
