// Dynamic addresses for known MACs without a reservation (authoritative mode only).
const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

export class LeasePool {
  private readonly byMac = new Map<string, string>();
  private readonly used = new Set<string>();
  constructor(private readonly first: string, private readonly last: string) {}

  addressFor(mac: string): string | undefined {
    const have = this.byMac.get(mac);
    if (have) return have;
    for (let n = toInt(this.first); n <= toInt(this.last); n++) {
      const ip = toIp(n);
      if (this.used.has(ip)) continue;
      this.used.add(ip);
      this.byMac.set(mac, ip);
      return ip;
    }
    return undefined;
  }

  release(mac: string): void {
    const ip = this.byMac.get(mac);
    if (!ip) return;
    this.byMac.delete(mac);
    this.used.delete(ip);
  }
}

export { toInt as ipToInt, toIp as intToIp };
