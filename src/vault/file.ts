import { writeFileAtomic as writeLocalAtomic } from '../source/atomic.js';
import { readFileSync, statSync } from 'node:fs';
import { fail } from '../errors.js';
import { decryptText, encryptText, isVaultText } from './crypto.js';

export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail('E_VAULT_FILE', code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${code ?? e}`);
  }
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/**
 * Replace `path` all at once: write a sibling temp file, fsync, rename. A crash leaves either the
 * old or the new content, never half of each. Keeps an existing file's mode; new files are 0600.
 */
export function writeFileAtomic(path: string, content: string, mode = modeOf(path) ?? 0o600): void {
  try {
    writeLocalAtomic(path, content, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail('E_VAULT_FILE', `cannot write ${path}: ${code ?? e}`);
  }
}

/** The plaintext of a vaulted file. */
export function readVaultFile(path: string, password: string): string {
  const text = readTextFile(path);
  if (!isVaultText(text)) fail('E_VAULT_NOT_ENCRYPTED', `${path} is not vault-encrypted`);
  return decryptText(text, password);
}

/** Encrypt a plaintext file in place (or into `output`). Refuses to encrypt twice. */
export function encryptFile(path: string, password: string, output = path): void {
  const text = readTextFile(path);
  if (isVaultText(text))
    fail('E_VAULT_ALREADY_ENCRYPTED', `${path} is already vault-encrypted`, undefined, 'use `rack vault edit` to change it');
  writeFileAtomic(output, encryptText(text, password));
}

/** Decrypt a vaulted file in place (or into `output`). */
export function decryptFile(path: string, password: string, output = path): void {
  writeFileAtomic(output, readVaultFile(path, password));
}
