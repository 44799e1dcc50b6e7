import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fail } from '../errors.js';
import { encryptLike, encryptText } from './crypto.js';
import { readTextFile, readVaultFile, writeFileAtomic } from './file.js';

function runEditor(editor: string, file: string, env: NodeJS.ProcessEnv): Promise<void> {
  // Through the shell, so EDITOR may carry arguments ("code --wait"); the path is passed as $1.
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'rack-vault-edit', file], { stdio: 'inherit', env });
    child.on('error', (e) => reject(e));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`editor exited with status ${code}`))));
  });
}

export interface EditResult {
  changed: boolean;
  created: boolean;
}

/**
 * Decrypt `path` into a private (0700) temp dir, run $EDITOR on it, re-encrypt in the file's own
 * format and replace the vault file atomically. A missing file is created. The plaintext copy
 * is removed whatever happens.
 */
export async function editVaultFile(path: string, password: string, env: NodeJS.ProcessEnv): Promise<EditResult> {
  const editor = env.VISUAL || env.EDITOR;
  if (!editor) fail('E_VAULT_NO_EDITOR', 'no editor: $EDITOR is not set', undefined, 'e.g. EDITOR=vi rack vault edit FILE');
  const created = !existsSync(path);
  const original = created ? undefined : readTextFile(path);
  const plain = created ? '' : readVaultFile(path, password);
  const dir = mkdtempSync(join(tmpdir(), 'rack-vault-'));
  try {
    const scratch = join(dir, basename(path));
    writeFileSync(scratch, plain, { mode: 0o600 });
    try {
      await runEditor(editor, scratch, env);
    } catch (e) {
      fail('E_VAULT_EDITOR', `editing ${path} failed: ${(e as Error).message}`, undefined, 'the vault file was left unchanged');
    }
    const edited = readFileSync(scratch, 'utf8');
    if (!created && edited === plain) return { changed: false, created };
    writeFileAtomic(path, original === undefined ? encryptText(edited, password) : encryptLike(original, edited, password));
    return { changed: true, created };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
