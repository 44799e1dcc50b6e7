import type { FactGroup } from './group.js';

/** /proc/mounts escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export const mounts: FactGroup = {
  name: 'mounts',
  command: 'cat /proc/mounts',
  parse(stdout) {
    const list = stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 4)
      .map(([device, mount, fstype, options]) => ({ device: unescape(device), mount: unescape(mount), fstype, options }));
    return list.length ? { mounts: list } : {};
  },
};
