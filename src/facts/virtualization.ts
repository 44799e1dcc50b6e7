import type { FactGroup } from './group.js';

export const virtualization: FactGroup = {
  name: 'virtualization',
  // systemd-detect-virt exits 1 when it prints "none"; the word is what matters.
  command: 'systemd-detect-virt || true',
  parse(stdout) {
    const v = stdout.trim().split('\n')[0]?.trim();
    return v && /^[\w-]+$/.test(v) ? { virtualization: v } : {};
  },
};
