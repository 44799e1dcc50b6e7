import { fail } from '../errors.js';
import { registerSecret, Secret } from '../commands/secret.js';
import { ANSIBLE_PREFIX, decryptAnsible, encryptAnsible, parseAnsibleHeader } from './ansible-format.js';
import { RACK_HEADER, decryptRack, encryptRack } from './rack-format.js';

export type VaultFormat = 'rack' | 'ansible';

function firstLine(text: string): string {
  return text.trimStart().split(/\r?\n/, 1)[0].trim();
}

/** Which vault format `text` is in, or undefined when it is not vault text. */
export function vaultFormat(text: string): VaultFormat | undefined {
  const head = firstLine(text);
  if (head === RACK_HEADER) return 'rack';
  if (head.startsWith(ANSIBLE_PREFIX)) return 'ansible';
  return undefined;
}

export function isVaultText(text: string): boolean {
  return vaultFormat(text) !== undefined;
}

/** Encrypt in rack's format (AES-256-GCM, scrypt key, fresh salt and nonce). */
export function encryptText(plain: string, password: string): string {
  return encryptRack(plain, password);
}

/** Encrypt in the same format (and Ansible vault id) as an existing vault text. */
export function encryptLike(existing: string, plain: string, password: string): string {
  if (vaultFormat(existing) === 'ansible') return encryptAnsible(plain, password, parseAnsibleHeader(firstLine(existing)));
  return encryptRack(plain, password);
}

/**
 * Decrypt rack or Ansible vault text. A wrong password or modified data throws
 * RackError E_VAULT_PASSWORD (authenticated: never garbage).
 */
export function decryptText(cipher: string, password: string): string {
  const format = vaultFormat(cipher);
  if (format === 'rack') return decryptRack(cipher, password);
  if (format === 'ansible') return decryptAnsible(cipher, password);
  return fail('E_VAULT_FORMAT', `not vault text (expected a first line '${RACK_HEADER}' or '$ANSIBLE_VAULT;...')`);
}

/** Wrap a decrypted value in Secret and register it, so it is masked in every output. */
export function revealToSecret(text: string): Secret {
  registerSecret(text);
  const trimmed = text.trim();
  if (trimmed !== text) registerSecret(trimmed);
  // Multi-line secrets (keys, certificates) may be printed one line at a time.
  // PEM armour lines ('-----BEGIN ...') are not secret and are left readable.
  for (const raw of trimmed.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length >= 8 && !line.startsWith('-----')) registerSecret(line);
  }
  return new Secret(text);
}
