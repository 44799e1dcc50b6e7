import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RackError } from '../../src/errors.js';
import { decryptText } from '../../src/vault/index.js';
import { parseYaml, Vaulted } from '../../src/source/yaml.js';
import { encryptAnsible } from '../../src/vault/ansible-format.js';

const hasAnsibleVault = spawnSync('ansible-vault', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasAnsibleVault)('Ansible vault interop (needs ansible-vault: Debian package ansible)', () => {
  let dir: string;
  const password = 'ansible pässword';
  const vault = (...args: string[]) =>
    execFileSync('ansible-vault', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rack-vault-ansible-'));
    writeFileSync(join(dir, 'pw'), password + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decrypts a 1.1 file made by ansible-vault encrypt', () => {
    const plain = 'db_password: hunter2\nusers:\n  - alice\n';
    writeFileSync(join(dir, 'a.yml'), plain);
    vault('encrypt', '--vault-password-file', 'pw', 'a.yml');
    const cipher = readFileSync(join(dir, 'a.yml'), 'utf8');
    expect(cipher.startsWith('$ANSIBLE_VAULT;1.1;AES256\n')).toBe(true);
    expect(decryptText(cipher, password)).toBe(plain);
  });

  it('decrypts a 1.2 file with a vault id', () => {
    writeFileSync(join(dir, 'b.yml'), 'token: abc\n');
    vault('encrypt', '--vault-id', 'prod@pw', 'b.yml');
    const cipher = readFileSync(join(dir, 'b.yml'), 'utf8');
    expect(cipher.startsWith('$ANSIBLE_VAULT;1.2;AES256;prod\n')).toBe(true);
    expect(decryptText(cipher, password)).toBe('token: abc\n');
  });

  it('decrypts an encrypt_string value loaded as a !vault tagged scalar', () => {
    const yamlText = vault('encrypt_string', '--vault-password-file', 'pw', '--name', 'api_key', 'k-123/456');
    const doc = parseYaml(yamlText, 'vars.yml').value as { api_key: Vaulted };
    expect(doc.api_key).toBeInstanceOf(Vaulted);
    expect(decryptText(doc.api_key.cipher, password)).toBe('k-123/456');
  });

  it('rejects a wrong password for Ansible files as E_VAULT_PASSWORD', () => {
    writeFileSync(join(dir, 'c.yml'), 'x: 1\n');
    vault('encrypt', '--vault-password-file', 'pw', 'c.yml');
    const cipher = readFileSync(join(dir, 'c.yml'), 'utf8');
    let caught: unknown;
    try {
      decryptText(cipher, 'not it');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RackError);
    expect((caught as RackError).diagnostics[0].code).toBe('E_VAULT_PASSWORD');
  });

  it('writes Ansible 1.1 and 1.2 that ansible-vault itself decrypts', () => {
    writeFileSync(join(dir, 'd.yml'), encryptAnsible('written by rack\n', password));
    expect(vault('view', '--vault-password-file', 'pw', 'd.yml')).toBe('written by rack\n');
    writeFileSync(join(dir, 'e.yml'), encryptAnsible('with id\n', password, { version: '1.2', vaultId: 'prod' }));
    expect(vault('view', '--vault-id', 'prod@pw', 'e.yml')).toBe('with id\n');
  });
});
