import type { FactGroup } from './group.js';

export const memory: FactGroup = {
  name: 'memory',
  command: "grep -E '^(MemTotal|MemFree|MemAvailable|SwapTotal):' /proc/meminfo",
  parse(stdout) {
    const kb: Record<string, number> = {};
    for (const m of stdout.matchAll(/^(\w+):\s+(\d+)\s*kB/gm)) kb[m[1]] = Number(m[2]);
    const mb = (k: string): number => Math.floor(kb[k] / 1024);
    return {
      ...('MemTotal' in kb ? { memtotal_mb: mb('MemTotal') } : {}),
      ...('MemFree' in kb ? { memfree_mb: mb('MemFree') } : {}),
      ...('MemAvailable' in kb ? { memavailable_mb: mb('MemAvailable') } : {}),
      ...('SwapTotal' in kb ? { swaptotal_mb: mb('SwapTotal') } : {}),
    };
  },
};
