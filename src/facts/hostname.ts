import type { FactGroup } from './group.js';

/** `hostname -f` may wait on DNS; it is bounded so facts never hang on a host without resolvers. */
export const hostname: FactGroup = {
  name: 'hostname',
  command: 'uname -n; if command -v timeout >/dev/null; then timeout 3 hostname -f; else hostname -f; fi',
  parse(stdout) {
    const [node, fqdn] = stdout.split('\n').map((s) => s.trim());
    if (!node) return {};
    const full = fqdn || node;
    return { hostname: node.split('.')[0], fqdn: full };
  },
};
