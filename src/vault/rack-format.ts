import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { fail } from '../errors.js';

/** First line of every rack vault text. */
export const RACK_HEADER = '$RACK_VAULT;1;AES256GCM;scrypt';

/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s per derivation). */
export const DEFAULT_SCRYPT = { logN: 15, r: 8, p: 1 } as const;
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

const FORMAT_VERSION = 1;
const SALT_LEN = 16;
const NONCE_LEN = 12;
const TAG_LEN = 16;
// version, logN, r, p, then salt and nonce: all of it is authenticated as associated data.
const PREFIX_LEN = 4 + SALT_LEN + NONCE_LEN;
// Refuse parameters a hostile file could use to exhaust memory or time (2^20 * 128 * 8 = 1 GiB).
const MAX_LOG_N = 20;
const MAX_R = 16;
const MAX_P = 4;

function deriveKey(password: string, salt: Buffer, s: ScryptParams): Buffer {
  const N = 2 ** s.logN;
  return scryptSync(password.normalize('NFC'), salt, 32, { N, r: s.r, p: s.p, maxmem: 256 * N * s.r + 1024 * 1024 });
}

function aad(prefix: Buffer): Buffer {
  return Buffer.concat([Buffer.from(RACK_HEADER + '\n'), prefix]);
}

/** Base64 body wrapped at 80 columns under the header. */
function wrap(body: Buffer): string {
  const b64 = body.toString('base64');
  const lines = [RACK_HEADER];
  for (let i = 0; i < b64.length; i += 80) lines.push(b64.slice(i, i + 80));
  return lines.join('\n') + '\n';
}

export function encryptRack(plain: string, password: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const salt = randomBytes(SALT_LEN);
  const nonce = randomBytes(NONCE_LEN);
  const prefix = Buffer.concat([Buffer.from([FORMAT_VERSION, params.logN, params.r, params.p]), salt, nonce]);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(password, salt, params), nonce, { authTagLength: TAG_LEN });
  cipher.setAAD(aad(prefix));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return wrap(Buffer.concat([prefix, body, cipher.getAuthTag()]));
}

/** The decoded payload of a rack vault text, or a format error. */
function parsePayload(text: string): Buffer {
  const lines = text.trim().split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== RACK_HEADER) fail('E_VAULT_FORMAT', `not a rack vault text (expected '${RACK_HEADER}')`);
  const b64 = lines.slice(1).join('');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)
    fail('E_VAULT_FORMAT', 'rack vault body is not valid base64');
  const payload = Buffer.from(b64, 'base64');
  if (payload.length < PREFIX_LEN + TAG_LEN) fail('E_VAULT_FORMAT', 'rack vault body is truncated');
  return payload;
}

export function decryptRack(text: string, password: string): string {
  const payload = parsePayload(text);
  const [version, logN, r, p] = payload;
  if (version !== FORMAT_VERSION) fail('E_VAULT_FORMAT', `unsupported rack vault payload version ${version}`);
  if (logN < 10 || logN > MAX_LOG_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P)
    fail('E_VAULT_FORMAT', `rack vault scrypt parameters out of range (logN=${logN}, r=${r}, p=${p})`);
  const prefix = payload.subarray(0, PREFIX_LEN);
  const salt = payload.subarray(4, 4 + SALT_LEN);
  const nonce = payload.subarray(4 + SALT_LEN, PREFIX_LEN);
  const body = payload.subarray(PREFIX_LEN, payload.length - TAG_LEN);
  const tag = payload.subarray(payload.length - TAG_LEN);
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(password, salt, { logN, r, p }), nonce, {
    authTagLength: TAG_LEN,
  });
  decipher.setAAD(aad(prefix));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return wrongPassword();
  }
}

/** Authentication failed: the only two causes are indistinguishable by design. */
export function wrongPassword(): never {
  return fail(
    'E_VAULT_PASSWORD',
    'vault decryption failed: wrong password, or the encrypted data was modified',
    undefined,
    'check --vault-password-file / RACK_VAULT_PASSWORD; the data is authenticated, so nothing was decrypted',
  );
}
