import type { FactGroup } from './group.js';
import type { Facts } from './types.js';

type Interfaces = NonNullable<Facts['interfaces']>;

interface IpJsonLink {
  ifname: string;
  address?: string;
  mtu?: number;
  flags?: string[];
  addr_info?: Array<{ family: string; local?: string }>;
}

function fromJson(links: IpJsonLink[]): Interfaces {
  const out: Interfaces = {};
  for (const l of links) {
    out[l.ifname] = {
      ...(l.address ? { mac: l.address } : {}),
      ipv4: (l.addr_info ?? []).filter((a) => a.family === 'inet' && a.local).map((a) => a.local!),
      ipv6: (l.addr_info ?? []).filter((a) => a.family === 'inet6' && a.local).map((a) => a.local!),
      ...(l.mtu ? { mtu: l.mtu } : {}),
      up: (l.flags ?? []).includes('UP'),
    };
  }
  return out;
}

/** Fallback text: `if NAME MAC MTU FLAGS` lines from /sys/class/net, then `ip -o addr` lines. */
function fromText(text: string): Interfaces {
  const out: Interfaces = {};
  for (const line of text.split('\n')) {
    const link = /^if (\S+) (\S*) (\d*) (0x[0-9a-f]+)?/.exec(line);
    if (link) {
      out[link[1]] = {
        ...(link[2] ? { mac: link[2] } : {}),
        ipv4: [],
        ipv6: [],
        ...(link[3] ? { mtu: Number(link[3]) } : {}),
        up: link[4] ? (parseInt(link[4], 16) & 1) === 1 : false,
      };
      continue;
    }
    const addr = /^\d+:\s+(\S+?)(?:@\S+)?\s+(inet6?)\s+([^/\s]+)/.exec(line);
    if (addr && out[addr[1]]) out[addr[1]][addr[2] === 'inet' ? 'ipv4' : 'ipv6']!.push(addr[3]);
  }
  return out;
}

export const interfaces: FactGroup = {
  name: 'interfaces',
  command: `ip -j addr show 2>/dev/null || {
  for i in /sys/class/net/*; do
    n=\${i##*/}; a=; m=; f=
    read -r a <"$i/address"; read -r m <"$i/mtu"; read -r f <"$i/flags"
    echo "if $n $a $m $f"
  done
  ip -o addr show
}`,
  parse(stdout) {
    const text = stdout.trim();
    if (!text) return {};
    if (text.startsWith('[')) {
      try {
        return { interfaces: fromJson(JSON.parse(text) as IpJsonLink[]) };
      } catch {
        return {};
      }
    }
    return { interfaces: fromText(text) };
  },
};
