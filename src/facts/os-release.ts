import type { FactGroup } from './group.js';
import { keyValues } from './group.js';

const FAMILIES: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Debian',
  raspbian: 'Debian',
  linuxmint: 'Debian',
  rhel: 'RedHat',
  fedora: 'RedHat',
  centos: 'RedHat',
  rocky: 'RedHat',
  almalinux: 'RedHat',
  alpine: 'Alpine',
  arch: 'Archlinux',
  opensuse: 'Suse',
  sles: 'Suse',
};

export const osRelease: FactGroup = {
  name: 'os-release',
  command: 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release',
  parse(stdout) {
    const kv = keyValues(stdout);
    if (!kv.ID) return {};
    const id = kv.ID.toLowerCase();
    const like = (kv.ID_LIKE ?? '').toLowerCase().split(/\s+/);
    const family = FAMILIES[id] ?? like.map((l) => FAMILIES[l]).find(Boolean);
    const codename = kv.VERSION_CODENAME || /\(([a-z]+)\)/i.exec(kv.VERSION ?? '')?.[1];
    return {
      distribution: id,
      ...(kv.VERSION_ID ? { distribution_version: kv.VERSION_ID } : {}),
      ...(codename ? { distribution_release: codename.toLowerCase() } : {}),
      ...(family ? { os_family: family } : {}),
    };
  },
};
