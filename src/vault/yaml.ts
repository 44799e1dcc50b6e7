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
