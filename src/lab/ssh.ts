import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { mustRun } from './run.js';

/** Create an ed25519 key pair at `path` unless one is there. Returns the public key line. */
export async function ensureKeyPair(path: string, comment: string): Promise<string> {
  if (!existsSync(path) || !existsSync(`${path}.pub`)) {
    rmSync(path, { force: true });
    rmSync(`${path}.pub`, { force: true });
    mkdirSync(dirname(path), { recursive: true });
    await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  }
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** The known_hosts text for nodes: each line names the node and its address. */
export function knownHostsText(entries: { name: string; address: string; hostKey: string }[]): string {
  return entries
    .map((e) => {
      const [type, key] = e.hostKey.split(/\s+/);
      return `${e.address},${e.name} ${type} ${key}\n`;
    })
    .join('');
}

/** Resolve when something at address:port speaks SSH (its banner), false on any error. */
export function sshBanner(address: string, port = 22, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    let got = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\n')) done(got.startsWith('SSH-'));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(got.startsWith('SSH-')));
  });
}

export function writeFileMkdir(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, mode === undefined ? undefined : { mode });
}

export const hostKeyPath = (nodeDir: string) => join(nodeDir, 'ssh_host_ed25519_key');
