/**
 * IPv4/IPv6 address and CIDR math for network configs (netplan, frr, dnsmasq). Addresses
 * are BigInt internally so both families share one code path.
 */
export class NetFault extends Error {}

export interface Addr {
  v: 4 | 6;
  n: bigint;
}
export interface Cidr extends Addr {
  prefix: number;
}

const bits = (v: 4 | 6): number => (v === 4 ? 32 : 128);

export function parseAddr(text: string): Addr {
  const s = text.trim();
  if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255)) throw new NetFault(`'${text}' is not an IPv4 address`);
    return { v: 4, n: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (s.includes(':')) return { v: 6, n: parseV6(s, text) };
  throw new NetFault(`'${text}' is not an IP address`);
}

function parseV6(s: string, orig: string): bigint {
  const bad = (): never => {
    throw new NetFault(`'${orig}' is not an IPv6 address`);
  };
  let tail: string[] = [];
  // An embedded IPv4 tail (::ffff:10.0.0.1) counts as two groups.
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = parseAddr(v4[1]).n;
    s = s.slice(0, v4.index + 1) + ((n >> 16n).toString(16) + ':' + (n & 0xffffn).toString(16));
  }
  const halves = s.split('::');
  if (halves.length > 2) bad();
  const head = halves[0] ? halves[0].split(':') : [];
  tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) bad();
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export function formatAddr(a: Addr): string {
  if (a.v === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.n >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((a.n >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (>= 2) of zero groups becomes ::
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** "10.0.0.5/24"; a bare address is a host route (/32 or /128). */
export function parseCidr(text: string): Cidr {
  const s = String(text).trim();
  const slash = s.indexOf('/');
  const a = parseAddr(slash < 0 ? s : s.slice(0, slash));
  let prefix = bits(a.v);
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (/^\d+$/.test(p)) prefix = Number(p);
    else if (a.v === 4 && /^\d+\.\d+\.\d+\.\d+$/.test(p)) prefix = maskToPrefix(parseAddr(p).n, text);
    else throw new NetFault(`'${text}' has an invalid prefix`);
    if (prefix > bits(a.v)) throw new NetFault(`'${text}': prefix /${prefix} is too long for IPv${a.v}`);
  }
  return { ...a, prefix };
}

function maskToPrefix(mask: bigint, text: string): number {
  let p = 0;
  while (p < 32 && ((mask >> BigInt(31 - p)) & 1n) === 1n) p++;
  if (maskOf(4, p) !== mask) throw new NetFault(`'${text}': netmask is not contiguous`);
  return p;
}

const all = (v: 4 | 6): bigint => (1n << BigInt(bits(v))) - 1n;
const maskOf = (v: 4 | 6, prefix: number): bigint => all(v) ^ ((1n << BigInt(bits(v) - prefix)) - 1n);
const hostBits = (c: Cidr): bigint => (1n << BigInt(bits(c.v) - c.prefix)) - 1n;

export const ipaddr = (cidr: string): string => formatAddr(parseCidr(cidr));
export const prefixlen = (cidr: string): number => parseCidr(cidr).prefix;
export function netmask(cidr: string): string {
  const c = parseCidr(cidr);
  return formatAddr({ v: c.v, n: maskOf(c.v, c.prefix) });
}
export function network(cidr: string): string {
  const c = parseCidr(cidr);
  return formatAddr({ v: c.v, n: c.n & maskOf(c.v, c.prefix) });
}
/** "10.0.0.5/24" -> "10.0.0.0/24" */
export const networkCidr = (cidr: string): string => `${network(cidr)}/${prefixlen(cidr)}`;
export function broadcast(cidr: string): string {
  const c = parseCidr(cidr);
  return formatAddr({ v: c.v, n: (c.n & maskOf(c.v, c.prefix)) | hostBits(c) });
}
/** The n-th address of the network (0 = network address); negative counts from the end (-1 = last). */
export function nthhost(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  if (!Number.isInteger(n)) throw new NetFault(`nthhost: '${n}' is not an integer`);
  const size = hostBits(c) + 1n;
  const i = n < 0 ? size + BigInt(n) : BigInt(n);
  if (i < 0n || i >= size) throw new NetFault(`nthhost: ${n} is outside ${networkCidr(cidr)} (${size} addresses)`);
  return formatAddr({ v: c.v, n: (c.n & maskOf(c.v, c.prefix)) + i });
}
/** nthhost with the prefix kept: ("10.0.0.0/24", 5) -> "10.0.0.5/24", for interface configs. */
export const hostCidr = (cidr: string, n: number): string => `${nthhost(cidr, n)}/${prefixlen(cidr)}`;
export function ipInCidr(addr: string, cidr: string): boolean {
  const a = parseCidr(addr);
  const c = parseCidr(cidr);
  if (a.v !== c.v) return false;
  const m = maskOf(c.v, c.prefix);
  return (a.n & m) === (c.n & m) && a.prefix >= c.prefix;
}
/** Add an offset to an address: ("10.0.0.254", 3) -> "10.0.1.1". */
export function ipmath(addr: string, delta: number): string {
  const a = parseCidr(addr);
  const n = a.n + BigInt(delta);
  if (n < 0n || n > all(a.v)) throw new NetFault(`ipmath: ${addr} + ${delta} leaves the IPv${a.v} space`);
  return formatAddr({ v: a.v, n });
}
export function ipToInt(addr: string): number | string {
  const a = parseCidr(addr);
  return a.v === 4 ? Number(a.n) : a.n.toString();
}
export function intToIp(n: number | string, v: 4 | 6 = 4): string {
  const b = BigInt(n);
  if (b < 0n || b > all(v)) throw new NetFault(`${n} is not an IPv${v} address number`);
  return formatAddr({ v, n: b });
}
/**
 * A 32-bit router id (OSPF/BGP) in dotted form: from an IPv4 address or CIDR, from a number,
 * or base + index (("10.255.0.0", 7) -> "10.255.0.7") for numbering routers by position.
 */
export function routerId(base: string | number, index?: number): string {
  const start = typeof base === 'number' || /^\d+$/.test(String(base)) ? BigInt(base) : parseCidr(String(base)).n;
  const probe = typeof base === 'string' && base.includes(':');
  if (probe) throw new NetFault(`router id must come from an IPv4 address, not '${base}'`);
  const n = start + BigInt(index ?? 0);
  if (n < 0n || n > all(4)) throw new NetFault(`router id ${n} is out of the 32-bit range`);
  return formatAddr({ v: 4, n });
}
export const isIp = (s: string): boolean => {
  try {
    parseAddr(s);
    return true;
  } catch {
    return false;
  }
};
