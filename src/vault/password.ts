import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { RackError, diag } from '../errors.js';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Run a password script and return its stdout without the trailing newline. */
function runPasswordScript(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, [], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(diagFileError(path, `could not run vault password script: ${e.message}`)),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        const why = Buffer.concat(err).toString('utf8').trim();
        reject(diagFileError(path, `vault password script exited with status ${code}${why ? `: ${why}` : ''}`));
      } else resolve(Buffer.concat(out).toString('utf8').replace(/[\r\n]+$/, ''));
    });
  });
}

// No source ref: a diagnostic would quote the file's first line, which is the password.
function diagFileError(path: string, message: string): RackError {
  return new RackError(diag('E_VAULT_PASSWORD_FILE', `${path}: ${message}`));
}

/**
 * The password in a file, or printed by the file when it is executable (so a password manager
 * can supply it). Surrounding whitespace is not part of the password, as with Ansible.
 */
export async function readPasswordFile(path: string): Promise<string> {
  let password: string;
  if (isExecutable(path)) password = await runPasswordScript(path);
  else {
    try {
      password = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw diagFileError(path, `cannot read vault password file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  if (password.length === 0) throw diagFileError(path, 'vault password file gives an empty password');
  return password;
}

/**
 * Ask for a password on a terminal without echoing it. Fails (with a hint) when `input` is not a
 * TTY, since there is nobody to ask.
 */
export function promptPassword(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  question = 'Vault password: ',
): Promise<string> {
  const tty = input as NodeJS.ReadStream;
  if (!tty.isTTY || typeof tty.setRawMode !== 'function') return Promise.reject(noPassword());
  return new Promise((resolve, reject) => {
    let typed = '';
    output.write(question);
    tty.setRawMode(true);
    tty.resume();
    const finish = (err?: Error): void => {
      tty.setRawMode(false);
      tty.pause();
      tty.removeListener('data', onData);
      output.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new RackError(diag('E_VAULT_NO_PASSWORD', 'password prompt interrupted')));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    tty.on('data', onData);
  });
}

export function noPassword(): RackError {
  return new RackError(diag(
    'E_VAULT_NO_PASSWORD',
    'a vault password is needed but none was given',
    undefined,
    'pass --vault-password-file FILE, set RACK_VAULT_PASSWORD, or run on a terminal to be prompted',
  ));
}
