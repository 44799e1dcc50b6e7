import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isScalar, parseDocument, type YAMLMap, type Scalar } from 'yaml';
import { vaultMain } from '../../src/cli/vault.js';
import { decryptText, RACK_HEADER } from '../../src/vault/index.js';
import { captureIo } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rack-vault-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PW = 'cli-pass';
const env = { RACK_VAULT_PASSWORD: PW };

/** A fake $EDITOR: records the file it was given and the modes it saw, then edits or fails. */
function fakeEditor(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!/bin/sh\nprintf '%s\\n' "$1" > "${dir}/${name}.seen"\nstat -c '%a' "$(dirname "$1")" "$1" | tr '\\n' ' ' >> "${dir}/${name}.seen"\n${body}\n`,
  );
  chmodSync(path, 0o700);
  return path;
}

function seen(name: string): { file: string; modes: string } {
  const [file, modes] = readFileSync(join(dir, `${name}.seen`), 'utf8').split('\n');
  return { file, modes: modes.trim() };
}

describe('rack vault CLI', () => {
  it('encrypts in place, views, refuses to encrypt twice, decrypts back', async () => {
    const f = join(dir, 'secrets.yml');
    writeFileSync(f, 'db_password: hunter2\n');
    let io = captureIo(env);
    expect(await vaultMain(['encrypt', f], io)).toBe(0);
    const cipher = readFileSync(f, 'utf8');
    expect(cipher.startsWith(RACK_HEADER + '\n')).toBe(true);
    expect(cipher).not.toContain('hunter2');

    io = captureIo(env);
    expect(await vaultMain(['view', f], io)).toBe(0);
    expect(io.out()).toBe('db_password: hunter2\n');

    io = captureIo(env);
    expect(await vaultMain(['encrypt', f], io)).toBe(1);
    expect(io.err()).toContain('E_VAULT_ALREADY_ENCRYPTED');
    expect(readFileSync(f, 'utf8')).toBe(cipher);

    io = captureIo(env);
    expect(await vaultMain(['decrypt', f], io)).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe('db_password: hunter2\n');
  });

  it('reports a wrong password as a diagnostic, exit 1, file untouched', async () => {
    const f = join(dir, 'w.yml');
    writeFileSync(f, 'a: 1\n');
    await vaultMain(['encrypt', f], captureIo(env));
    const before = readFileSync(f, 'utf8');
    const io = captureIo({ RACK_VAULT_PASSWORD: 'wrong' });
    expect(await vaultMain(['decrypt', f], io)).toBe(1);
    expect(io.err()).toContain('error E_VAULT_PASSWORD');
    expect(io.err()).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(f, 'utf8')).toBe(before);
  });

  it('without any password source and no terminal, fails with a hint', async () => {
    const f = join(dir, 'np.yml');
    writeFileSync(f, 'a: 1\n');
    const io = captureIo({});
    expect(await vaultMain(['encrypt', f], io)).toBe(1);
    expect(io.err()).toContain('E_VAULT_NO_PASSWORD');
    expect(io.err()).toContain('hint: pass --vault-password-file');
    expect(readFileSync(f, 'utf8')).toBe('a: 1\n');
  });

  it('encrypt-string prints YAML that loads as a !vault tagged scalar', async () => {
    const io = captureIo(env);
    expect(await vaultMain(['encrypt-string', '--name', 'k3s_token', 'K10abc::server:xyz'], io)).toBe(0);
    expect(io.out()).toMatch(/^k3s_token: !vault \|\n {10}\$RACK_VAULT;1;AES256GCM;scrypt\n/);
    const doc = parseDocument(io.out());
    expect(doc.errors).toEqual([]);
    const node = (doc.contents as YAMLMap).get('k3s_token', true) as Scalar;
    expect(isScalar(node)).toBe(true);
    expect(node.tag).toBe('!vault');
    expect(decryptText(String(node.value), PW)).toBe('K10abc::server:xyz');
  });

  it('encrypt-string reads stdin when no value is given, dropping one trailing newline', async () => {
    const io = captureIo(env, 'from stdin\n');
    expect(await vaultMain(['encrypt-string'], io)).toBe(0);
    const node = parseDocument(io.out()).contents as Scalar;
    expect(node.tag).toBe('!vault');
    expect(decryptText(String(node.value), PW)).toBe('from stdin');
  });

  it('takes the password from --vault-password-file', async () => {
    const pwFile = join(dir, 'pwfile');
    writeFileSync(pwFile, 'file-pass\n');
    const io = captureIo({ RACK_VAULT_PASSWORD: 'ignored' });
    expect(await vaultMain(['encrypt-string', '--vault-password-file', pwFile, 'v'], io)).toBe(0);
    const node = parseDocument(io.out()).contents as Scalar;
    expect(decryptText(String(node.value), 'file-pass')).toBe('v');
  });

  it('edit runs $EDITOR in a private temp dir, re-encrypts, keeps the mode, leaves no plaintext', async () => {
    const f = join(dir, 'edit.yml');
    writeFileSync(f, 'user: admin\n');
    await vaultMain(['encrypt', f], captureIo(env));
    chmodSync(f, 0o640);
    const editor = fakeEditor('ed-ok', 'printf "pass: n3w\\n" >> "$1"');
    const io = captureIo({ ...env, EDITOR: editor });
    expect(await vaultMain(['edit', f], io)).toBe(0);
    const { file, modes } = seen('ed-ok');
    expect(modes).toBe('700 600');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(file, '..'))).toBe(false);
    const cipher = readFileSync(f, 'utf8');
    expect(cipher).not.toContain('n3w');
    expect(decryptText(cipher, PW)).toBe('user: admin\npass: n3w\n');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    // No temp file left beside the vault file either.
    expect(readdirSync(dir).filter((n) => n.startsWith('.edit.yml'))).toEqual([]);
  });

  it('edit leaves the vault untouched and removes the plaintext when the editor fails', async () => {
    const f = join(dir, 'edit-fail.yml');
    writeFileSync(f, 'keep: me\n');
    await vaultMain(['encrypt', f], captureIo(env));
    const before = readFileSync(f, 'utf8');
    const editor = fakeEditor('ed-fail', 'printf "half-typed\\n" >> "$1"; exit 1');
    const io = captureIo({ ...env, EDITOR: editor });
    expect(await vaultMain(['edit', f], io)).toBe(1);
    expect(io.err()).toContain('E_VAULT_EDITOR');
    expect(existsSync(join(seen('ed-fail').file, '..'))).toBe(false);
    expect(readFileSync(f, 'utf8')).toBe(before);
  });

  it('edit creates a missing file, encrypted', async () => {
    const f = join(dir, 'new.yml');
    const editor = fakeEditor('ed-new', 'printf "fresh: 1\\n" > "$1"');
    expect(await vaultMain(['edit', f], captureIo({ ...env, EDITOR: editor }))).toBe(0);
    expect(decryptText(readFileSync(f, 'utf8'), PW)).toBe('fresh: 1\n');
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('edit keeps an Ansible file in Ansible format', async () => {
    const { encryptAnsible } = await import('../../src/vault/ansible-format.js');
    const f = join(dir, 'ansible.yml');
    writeFileSync(f, encryptAnsible('a: 1\n', PW, { version: '1.2', vaultId: 'prod' }));
    const editor = fakeEditor('ed-ans', 'printf "b: 2\\n" >> "$1"');
    expect(await vaultMain(['edit', f], captureIo({ ...env, EDITOR: editor }))).toBe(0);
    const cipher = readFileSync(f, 'utf8');
    expect(cipher.startsWith('$ANSIBLE_VAULT;1.2;AES256;prod\n')).toBe(true);
    expect(decryptText(cipher, PW)).toBe('a: 1\nb: 2\n');
  });

  it('rejects unknown commands and options as usage errors (exit 1)', async () => {
    let io = captureIo(env);
    expect(await vaultMain(['frobnicate'], io)).toBe(1);
    expect(io.err()).toContain("error E_USAGE: vault: unknown command 'frobnicate'");
    io = captureIo(env);
    expect(await vaultMain(['view', '--bogus', 'x'], io)).toBe(1);
    expect(io.err()).toContain('error E_USAGE: vault: unknown option --bogus');
  });
});
