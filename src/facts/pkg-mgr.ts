import type { FactGroup } from './group.js';

const NAMES: Record<string, string> = { 'apt-get': 'apt', dnf: 'dnf', yum: 'yum', zypper: 'zypper', apk: 'apk', pacman: 'pacman' };

export const pkgMgr: FactGroup = {
  name: 'pkg-mgr',
  command: 'for p in apt-get dnf yum zypper apk pacman; do command -v $p; done',
  parse(stdout) {
    for (const line of stdout.split('\n')) {
      const name = NAMES[line.trim().split('/').pop() ?? ''];
      if (name) return { pkg_mgr: name };
    }
    return {};
  },
};
