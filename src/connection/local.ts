import type { Secret } from '../commands/secret.js';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ShellConnection } from './shell-connection.js';
import { closeSignal, ShellSession, type ShellTransport } from './shell-session.js';
import type { Connection } from './types.js';

function runLocalSide(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', () => resolve());
    child.stdin.end(script);
  });
}

/** A persistent local `sh`, same framing as over SSH. */
export function localTransport(): ShellTransport {
  const child = spawn('sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const { closed, onClose } = closeSignal();
  child.on('error', (e) => closed(`cannot start sh: ${e.message}`));
  // 'close', not 'exit': output still in the pipes is read first.
  child.on('close', (code, sig) => closed(`local shell exited (${sig ?? `rc ${code}`})`));
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    onClose,
    runSide: runLocalSide,
    close: () => {
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** `connection: local`: commands run on the control machine. */
export function connectLocal(name: string, becomePassword?: Secret): Connection {
  return new ShellConnection(name, () => ShellSession.start(name, localTransport(), becomePassword), (path) => readFile(path));
}
