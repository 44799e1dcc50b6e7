import type { ScalarTag } from 'yaml';
import { isVaultText } from './crypto.js';

/** A `!vault` scalar as loaded from YAML: still encrypted; open it with a VaultKeyring. */
export class VaultedValue {
  constructor(readonly cipherText: string) {}
  toString(): string {
    return '!vault';
  }
  toJSON(): string {
    return '!vault';
  }
}

/** The `!vault` tag for the `yaml` package (customTags), so vars files keep their ciphertext intact. */
export const vaultYamlTag: ScalarTag = {
  tag: '!vault',
  identify: (v) => v instanceof VaultedValue,
  resolve(value, onError) {
    if (!isVaultText(value)) onError('a !vault value must start with $RACK_VAULT or $ANSIBLE_VAULT');
    return new VaultedValue(value);
  },
};

const INDENT = ' '.repeat(10);

/**
 * YAML for `rack vault encrypt-string`: `name: !vault |` and the vault text indented under it,
 * ready to paste into a vars file (the layout Ansible users know).
 */
export function vaultStringYaml(cipherText: string, name?: string): string {
  const block = cipherText
    .trimEnd()
    .split('\n')
    .map((l) => INDENT + l)
    .join('\n');
  if (name === undefined) return `!vault |\n${block}\n`;
  const key = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) ? name : JSON.stringify(name);
  return `${key}: !vault |\n${block}\n`;
}
