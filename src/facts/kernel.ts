import type { FactGroup } from './group.js';

export const kernel: FactGroup = {
  name: 'kernel',
  command: 'uname -r; uname -m',
  parse(stdout) {
    const [release, machine] = stdout.trim().split('\n').map((s) => s.trim());
    return { ...(release ? { kernel: release } : {}), ...(machine ? { architecture: machine } : {}) };
  },
};
