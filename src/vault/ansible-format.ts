import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail } from '../errors.js';
import { wrongPassword } from './rack-format.js';

/**
 * Ansible vault 1.1/1.2 "AES256": PBKDF2-SHA256 (10000 rounds) gives an AES-256-CTR key, an
 * HMAC-SHA256 key and the initial counter; the plaintext is PKCS#7-padded; the body is the hex of
 * "hex(salt)\nhex(hmac)\nhex(ciphertext)". rack reads it so existing projects load unchanged.
 */
export const ANSIBLE_PREFIX = '$ANSIBLE_VAULT;';
const ROUNDS = 10000;
const BLOCK = 16;

export interface AnsibleHeader {
  version: '1.1' | '1.2';
  vaultId?: string;
}

function keys(password: string, salt: Buffer): { aesKey: Buffer; hmacKey: Buffer; iv: Buffer } {
  const m = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, ROUNDS, 80, 'sha256');
  return { aesKey: m.subarray(0, 32), hmacKey: m.subarray(32, 64), iv: m.subarray(64, 80) };
}

export function parseAnsibleHeader(line: string): AnsibleHeader {
  const parts = line.trim().split(';');
  if (parts[0] !== '$ANSIBLE_VAULT') fail('E_VAULT_FORMAT', 'not an Ansible vault text');
  const [, version, cipher, vaultId] = parts;
  if (version !== '1.1' && version !== '1.2')
    fail('E_VAULT_FORMAT', `Ansible vault format ${version} is not supported (only 1.1 and 1.2)`);
  if (cipher !== 'AES256') fail('E_VAULT_FORMAT', `Ansible vault cipher ${cipher} is not supported (only AES256)`);
  return version === '1.2' && vaultId ? { version, vaultId } : { version };
}

const isHex = (s: string): boolean => s.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(s);

export function decryptAnsible(text: string, password: string): string {
  const lines = text.trim().split(/\r?\n/).map((l) => l.trim());
  parseAnsibleHeader(lines[0]);
  const outer = lines.slice(1).join('');
  if (!isHex(outer)) fail('E_VAULT_FORMAT', 'Ansible vault body is not hexadecimal');
  const fields = Buffer.from(outer, 'hex').toString('latin1').split('\n');
  if (fields.length !== 3 || !fields.every(isHex) || fields[0].length === 0)
    fail('E_VAULT_FORMAT', 'Ansible vault body does not hold salt, HMAC and ciphertext');
  const [salt, mac, ciphertext] = fields.map((f) => Buffer.from(f, 'hex'));
  const k = keys(password, salt);
  const expected = createHmac('sha256', k.hmacKey).update(ciphertext).digest();
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return wrongPassword();
  const decipher = createDecipheriv('aes-256-ctr', k.aesKey, k.iv);
  const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const pad = padded.length ? padded[padded.length - 1] : 0;
  if (pad < 1 || pad > BLOCK || pad > padded.length) fail('E_VAULT_FORMAT', 'Ansible vault padding is invalid');
  return padded.subarray(0, padded.length - pad).toString('utf8');
}

/** Write Ansible 1.1 (or 1.2 with a vault id), so `rack vault edit` keeps an Ansible file readable by Ansible. */
export function encryptAnsible(plain: string, password: string, header: AnsibleHeader = { version: '1.1' }): string {
  const salt = randomBytes(32);
  const k = keys(password, salt);
  const data = Buffer.from(plain, 'utf8');
  const pad = BLOCK - (data.length % BLOCK);
  const cipher = createCipheriv('aes-256-ctr', k.aesKey, k.iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)])), cipher.final()]);
  const mac = createHmac('sha256', k.hmacKey).update(ciphertext).digest('hex');
  const inner = `${salt.toString('hex')}\n${mac}\n${ciphertext.toString('hex')}`;
  const outer = Buffer.from(inner, 'latin1').toString('hex');
  const head =
    header.version === '1.2' && header.vaultId ? `$ANSIBLE_VAULT;1.2;AES256;${header.vaultId}` : '$ANSIBLE_VAULT;1.1;AES256';
  const lines = [head];
  for (let i = 0; i < outer.length; i += 80) lines.push(outer.slice(i, i + 80));
  return lines.join('\n') + '\n';
}
