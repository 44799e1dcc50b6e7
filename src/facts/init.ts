import type { FactGroup } from './group.js';

export const init: FactGroup = {
  name: 'init',
  command: 'cat /proc/1/comm; [ -d /run/systemd/system ] && echo systemd-running',
  parse(stdout) {
    const lines = stdout.split('\n').map((s) => s.trim());
    const comm = lines[0];
    if (lines.includes('systemd-running') || comm === 'systemd') return { service_mgr: 'systemd' };
    if (!comm) return {};
    if (comm === 'openrc-init' || comm === 'openrc') return { service_mgr: 'openrc' };
    if (comm === 'init') return { service_mgr: 'sysvinit' };
    return { service_mgr: comm };
  },
};
