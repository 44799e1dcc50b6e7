import type { FactGroup } from './group.js';

export const bootId: FactGroup = {
  name: 'boot-id',
  command: 'cat /proc/sys/kernel/random/boot_id',
  parse(stdout) {
    const id = stdout.trim();
    return /^[0-9a-f-]{36}$/.test(id) ? { boot_id: id } : {};
  },
};
