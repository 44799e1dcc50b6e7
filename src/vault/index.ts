export { RACK_HEADER, DEFAULT_SCRYPT } from './rack-format.js';
export { decryptText, encryptLike, encryptText, isVaultText, revealToSecret, vaultFormat } from './crypto.js';
export type { VaultFormat } from './crypto.js';
export { makeKeyring, passwordSource } from './keyring.js';
export type { KeyringOptions, VaultKeyring } from './keyring.js';
export { noPassword, promptPassword, readPasswordFile } from './password.js';
export { decryptFile, encryptFile, readVaultFile, writeFileAtomic } from './file.js';
export { editVaultFile } from './edit.js';
export { vaultStringYaml } from './yaml.js';

import { editVaultFile } from './edit.js';
import { decryptFile, encryptFile, readVaultFile, writeFileAtomic } from './file.js';
/** The file operations in one place, for callers that prefer `vaultFile.read(...)`. */
export const vaultFile = {
  read: readVaultFile,
  encrypt: encryptFile,
  decrypt: decryptFile,
  edit: editVaultFile,
  writeAtomic: writeFileAtomic,
};
