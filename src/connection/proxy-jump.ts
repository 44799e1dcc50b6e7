/** One hop of a ProxyJump list: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

export function parseProxyJump(spec: string | undefined): JumpHop[] {
  if (!spec || spec.trim().toLowerCase() === 'none') return [];
  return spec
    .split(',')
    .map((s) => s.trim().replace(/^ssh:\/\//, ''))
    .filter(Boolean)
    .map((s) => {
      const at = s.lastIndexOf('@');
      const user = at >= 0 ? s.slice(0, at) : undefined;
      let rest = at >= 0 ? s.slice(at + 1) : s;
      let port: number | undefined;
      const bracket = /^\[(.+)\](?::(\d+))?$/.exec(rest);
      if (bracket) {
        rest = bracket[1];
        if (bracket[2]) port = Number(bracket[2]);
      } else {
        const m = /^([^:]+):(\d+)$/.exec(rest);
        if (m) {
          rest = m[1];
          port = Number(m[2]);
        }
      }
      const hop: JumpHop = { host: rest };
      if (user) hop.user = user;
      if (port !== undefined) hop.port = port;
      return hop;
    });
}
