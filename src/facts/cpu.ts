import type { FactGroup } from './group.js';

export const cpu: FactGroup = {
  name: 'cpu',
  command: 'nproc || grep -c ^processor /proc/cpuinfo',
  parse(stdout) {
    const n = parseInt(stdout.trim(), 10);
    return Number.isFinite(n) && n > 0 ? { processor_count: n } : {};
  },
};
