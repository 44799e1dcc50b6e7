import { describe, expect, it } from 'vitest';
import { RackError } from '../../src/errors.js';
import { maskSecrets } from '../../src/commands/secret.js';
import { RACK_HEADER, decryptText, encryptText, isVaultText, revealToSecret } from '../../src/vault/index.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof RackError) return e.diagnostics[0].code;
    throw e;
  }
  return undefined;
}

/** Replace one base64 character of the body (line `line`, column `col`) with another. */
function tamper(text: string, line: number, col: number): string {
  const lines = text.split('\n');
  const c = lines[line][col];
  lines[line] = lines[line].slice(0, col) + (c === 'A' ? 'B' : 'A') + lines[line].slice(col + 1);
  return lines.join('\n');
}

describe('rack vault format', () => {
  it('round-trips text, including empty, multi-line and non-ASCII values', () => {
    for (const plain of ['', 's3cret', 'line one\nline two\n', 'pässwörd ✓ 密码', 'x'.repeat(5000)]) {
      const c = encryptText(plain, 'correct horse');
      expect(decryptText(c, 'correct horse')).toBe(plain);
    }
  });

  it('writes the header then base64 lines of at most 80 columns, never the plaintext', () => {
    const plain = 'a fairly long secret value '.repeat(20);
    const c = encryptText(plain, 'pw');
    const lines = c.trimEnd().split('\n');
    expect(lines[0]).toBe(RACK_HEADER);
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines.slice(1)) expect(l).toMatch(/^[A-Za-z0-9+/=]{1,80}$/);
    expect(c).not.toContain('secret');
    expect(isVaultText(c)).toBe(true);
    expect(isVaultText('db_password: x\n')).toBe(false);
  });

  it('uses a fresh salt and nonce each time', () => {
    expect(encryptText('same', 'pw')).not.toBe(encryptText('same', 'pw'));
  });

  it('rejects a wrong password as E_VAULT_PASSWORD', () => {
    const c = encryptText('s3cret', 'right');
    expect(code(() => decryptText(c, 'wrong'))).toBe('E_VAULT_PASSWORD');
  });

  it('rejects tampered ciphertext, salt and tag by authentication, never returning garbage', () => {
    const c = encryptText('attack at dawn, with all the vault secrets', 'pw');
    const body = c.trimEnd().split('\n');
    // col 10 is inside the salt, the last line's end is inside the tag, col 60 inside the ciphertext.
    for (const [line, col] of [
      [1, 10],
      [1, 60],
      [body.length - 1, body[body.length - 1].length - 4],
    ])
      expect(code(() => decryptText(tamper(c, line, col), 'pw'))).toBe('E_VAULT_PASSWORD');
  });

  it('reports damaged structure as E_VAULT_FORMAT', () => {
    const c = encryptText('x', 'pw');
    const [head, first] = c.split('\n');
    expect(code(() => decryptText(`${head}\n${first.slice(0, 20)}\n`, 'pw'))).toBe('E_VAULT_FORMAT');
    expect(code(() => decryptText(`${head}\n!!notbase64!!\n`, 'pw'))).toBe('E_VAULT_FORMAT');
    // scrypt cost raised to 2^31 by editing the header bytes: refused before any work is done.
    const raw = Buffer.from(c.split('\n').slice(1).join(''), 'base64');
    raw[1] = 31;
    expect(code(() => decryptText(`${head}\n${raw.toString('base64')}\n`, 'pw'))).toBe('E_VAULT_FORMAT');
    expect(code(() => decryptText('plain text', 'pw'))).toBe('E_VAULT_FORMAT');
  });

  it('revealToSecret wraps the value and masks it in any later text', () => {
    const value = `tok-${Math.random().toString(36).slice(2)}`;
    const s = revealToSecret(value);
    expect(s.reveal()).toBe(value);
    expect(JSON.stringify({ s })).not.toContain(value);
    expect(`${s}`).not.toContain(value);
    expect(maskSecrets(`token is ${value}.`)).toBe('token is ********.');
  });

  it('revealToSecret masks each line of a multi-line secret but not PEM armour', () => {
    const line = `MIIB${Math.random().toString(36).slice(2)}QWERTY`;
    revealToSecret(`-----BEGIN TEST KEY-----\n${line}\n-----END TEST KEY-----\n`);
    expect(maskSecrets(`>${line}<`)).toBe('>********<');
    expect(maskSecrets('-----BEGIN TEST KEY-----')).toBe('-----BEGIN TEST KEY-----');
  });
});
