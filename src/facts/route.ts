import type { FactGroup } from './group.js';

/** Default IPv4 route; the address is filled in from interfaces when facts are merged. */
export const route: FactGroup = {
  name: 'route',
  command: 'ip -j -4 route show default 2>/dev/null || ip -4 route show default',
  parse(stdout) {
    const text = stdout.trim();
    if (!text) return {};
    if (text.startsWith('[')) {
      try {
        const routes = JSON.parse(text) as Array<{ gateway?: string; dev?: string }>;
        const r = routes[0];
        if (!r) return {};
        return { default_ipv4: { ...(r.dev ? { interface: r.dev } : {}), ...(r.gateway ? { gateway: r.gateway } : {}) } };
      } catch {
        return {};
      }
    }
    const m = /^default(?:\s+via\s+(\S+))?.*?\sdev\s+(\S+)/m.exec(text);
    if (!m) return {};
    return { default_ipv4: { interface: m[2], ...(m[1] ? { gateway: m[1] } : {}) } };
  },
};
