// The network roles through rack's engine on the virtual rack: real FRR sessions, a live
// firewall, the rollback safety net and a WireGuard tunnel between two sites.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

const HERE = import.meta.dirname;
const FIX = (f: string) => join(HERE, 'fixtures', f);
const LAB_HELPER = resolve(HERE, '../../helpers/lab.ts');
const API = resolve(HERE, '../../../src/api.ts');

interface Summary {
  exitCode: number;
  hosts: Record<string, { changed: number; failed?: number }>;
}
interface Lab {
  inventoryPath: string;
  nodes: { name: string; address: string; site: string }[];
  release(): Promise<void>;
}
interface Harness {
  requireLab(): string | undefined;
  useLab(o: { nodes?: number; sites?: number }): Promise<Lab>;
  nodeExec(name: string, cmd: string): Promise<{ rc: number; stdout: string; stderr: string }>;
}
interface Api {
  run(req: { playbook: string; inventories: string[]; check?: boolean; emit?: (e: unknown) => void }): Promise<Summary>;
}

// Loaded by path so this file type-checks whether or not the harness and API exist yet.
const harness = existsSync(LAB_HELPER) ? ((await import(LAB_HELPER)) as Harness) : undefined;
const api = existsSync(API) ? ((await import(API)) as Partial<Api>) : undefined;
const skipReason = !harness ? 'test/helpers/lab.ts is missing' : !api?.run ? 'src/api.ts has no run()' : harness.requireLab();
if (skipReason) console.warn(`network lab tests skipped: ${skipReason}`);

const MIN = 60_000;
const changedTotal = (s: Summary) => Object.values(s.hosts).reduce((n, h) => n + h.changed, 0);
const octet = (addr: string) => addr.split('.')[3];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 3 * MIN): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Run a fixture playbook with the lab inventory and one of host vars written by the test. */
function runner(lab: () => Lab, varsFile: () => string) {
  return (playbook: string, check = false) => api!.run!({ playbook: FIX(playbook), inventories: [lab().inventoryPath, varsFile()], check, emit: () => undefined });
}

describe.skipIf(!!skipReason)('network roles on a 3-node virtual rack (one site)', () => {
  let lab: Lab;
  let dir: string;
  const varsFile = () => join(dir, 'net.yml');
  const run = runner(() => lab, varsFile);
  const exec = (n: string, cmd: string) => harness!.nodeExec(n, cmd);

  beforeAll(async () => {
    lab = await harness!.useLab({ nodes: 3, sites: 1 });
    dir = mkdtempSync(join(tmpdir(), 'rack-net-lab-'));
    const prefix = '10.88.0.0/24';
    const hosts = Object.fromEntries(lab.nodes.map((n) => [n.name, { frr_loopback: `10.255.0.${octet(n.address)}/32` }]));
    writeFileSync(
      varsFile(),
      stringify({
        lab: {
          hosts,
          vars: {
            frr_packages: ['frr'], // the lab's offline image has no frr-pythontools
            frr_peer_group: 'lab',
            nft_ssh_sources: [prefix],
            nft_bgp_sources: [prefix],
            nft_extra_rules: [{ proto: 'tcp', port: 8081, sources: [prefix], comment: 'test open port' }],
            nft_rollback_seconds: 40,
            nft_confirm_timeout: 15,
          },
        },
      }),
    );
  }, 30 * MIN);

  afterAll(async () => {
    if (lab) {
      for (const n of lab.nodes) await exec(n.name, 'systemctl stop rack-test-8081 rack-test-8082 2>/dev/null; nft flush ruleset; true').catch(() => undefined);
      await lab.release();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 10 * MIN);

  it('frr: BGP sessions come up between all nodes and loopbacks are exchanged; a second run changes nothing', async () => {
    const first = await run('bgp.yml');
    expect(first.exitCode).toBe(0);
    for (const n of lab.nodes) {
      const others = lab.nodes.filter((o) => o.name !== n.name);
      await until(`BGP Established on ${n.name}`, async () => {
        const r = await exec(n.name, "vtysh -c 'show bgp summary json'");
        const peers = JSON.parse(r.stdout).ipv4Unicast?.peers ?? {};
        return others.every((o) => peers[o.address]?.state === 'Established') ? true : undefined;
      });
      await until(`routes to the other loopbacks on ${n.name}`, async () => {
        const r = await exec(n.name, "vtysh -c 'show ip bgp json'");
        const routes = JSON.parse(r.stdout).routes ?? {};
        return others.every((o) => routes[`10.255.0.${octet(o.address)}/32`]) ? true : undefined;
      });
    }
    const second = await run('bgp.yml');
    expect(second.exitCode).toBe(0);
    expect(changedTotal(second)).toBe(0);
    const check = await run('bgp.yml', true);
    expect(changedTotal(check)).toBe(0);
  }, 20 * MIN);

  it('nftables: live rules let the allowed port through and drop the others; second run and --check change nothing', async () => {
    const [a, b] = lab.nodes;
    for (const port of [8081, 8082]) await exec(b.name, `systemd-run --unit rack-test-${port} nc -lk ${port}`);
    const first = await run('firewall.yml');
    expect(first.exitCode).toBe(0);
    expect((await exec(b.name, 'nft list chain inet rack_filter input')).stdout).toContain('policy drop');
    await until('port 8081 open', async () => ((await exec(a.name, `nc -z -w 3 ${b.address} 8081`)).rc === 0 ? true : undefined));
    const blocked = await exec(a.name, `nc -z -w 3 ${b.address} 8082`);
    expect(blocked.rc).not.toBe(0);
    const second = await run('firewall.yml');
    expect(changedTotal(second)).toBe(0);
    expect(changedTotal(await run('firewall.yml', true))).toBe(0);
  }, 20 * MIN);

  it('nftables: a ruleset that locks rack out is rolled back by the node, and rack connects again', async () => {
    const good = await Promise.all(lab.nodes.map((n) => exec(n.name, 'cat /etc/nftables.conf')));
    writeFileSync(join(dir, 'lockout.yml'), stringify({ lab: { vars: { nft_ssh_sources: ['192.0.2.0/24'] } } }));
    const locked = await api!.run!({ playbook: FIX('firewall.yml'), inventories: [lab.inventoryPath, varsFile(), join(dir, 'lockout.yml')], emit: () => undefined });
    expect(locked.exitCode).not.toBe(0);
    await until('the rollback and a working SSH connection', async () => ((await run('ping.yml')).exitCode === 0 ? true : undefined), 5 * MIN);
    for (const [i, n] of lab.nodes.entries()) {
      expect((await exec(n.name, 'nft list ruleset')).stdout).not.toContain('192.0.2.0/24');
      expect((await exec(n.name, 'cat /etc/nftables.conf')).stdout).toBe(good[i].stdout);
    }
  }, 20 * MIN);
});

describe.skipIf(!!skipReason)('wireguard between two sites of the virtual rack', () => {
  let lab: Lab;
  let dir: string;
  const varsFile = () => join(dir, 'wg.yml');
  const run = runner(() => lab, varsFile);

  beforeAll(async () => {
    lab = await harness!.useLab({ nodes: 2, sites: 2 });
    dir = mkdtempSync(join(tmpdir(), 'rack-wg-lab-'));
    const hosts = Object.fromEntries(
      lab.nodes.map((n, i) => [n.name, { wg_site: n.site, wg_address: `10.99.0.${octet(n.address)}/24`, wg_site_prefixes: [`172.30.${i + 1}.0/24`] }]),
    );
    writeFileSync(varsFile(), stringify({ lab: { hosts } }));
  }, 30 * MIN);

  afterAll(async () => {
    if (lab) {
      for (const n of lab.nodes) await harness!.nodeExec(n.name, 'systemctl stop wg-quick@wg0; true').catch(() => undefined);
      await lab.release();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 10 * MIN);

  it('keys stay on their node, the tunnel carries traffic, routes to the other site exist, reruns change nothing', async () => {
    const events: unknown[] = [];
    const first = await api!.run!({ playbook: FIX('wireguard.yml'), inventories: [lab.inventoryPath, varsFile()], emit: (e) => events.push(e) });
    expect(first.exitCode).toBe(0);
    const [a, b] = lab.nodes;
    const secret = (await harness!.nodeExec(a.name, 'cat /etc/wireguard/private.key')).stdout.trim();
    expect(secret).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify(events)).not.toContain(secret);
    const bAddr = `10.99.0.${octet(b.address)}`;
    await until('ping over the tunnel', async () => ((await harness!.nodeExec(a.name, `ping -c 1 -W 2 ${bAddr}`)).rc === 0 ? true : undefined));
    const route = await harness!.nodeExec(a.name, 'ip route show 172.30.2.0/24');
    expect(route.stdout).toContain('dev wg0');
    const mode = await harness!.nodeExec(a.name, 'stat -c %a /etc/wireguard/private.key');
    expect(mode.stdout.trim()).toBe('600');
    const second = await run('wireguard.yml');
    expect(changedTotal(second)).toBe(0);
    expect(changedTotal(await run('wireguard.yml', true))).toBe(0);

    // Changes are applied to the live tunnel without a restart: a moves to another tunnel
    // address and b gains a prefix. The tunnel keeps its keys and carries traffic from the new
    // address, the new prefix gets a route, and the route goes when the prefix does.
    const goPid = async () => (await harness!.nodeExec(a.name, 'pgrep -x wireguard-go || ip -d link show wg0 | grep -o wireguard')).stdout.trim();
    const implBefore = await goPid();
    const extra = join(dir, 'wg-extra.yml');
    const moved = `10.99.0.1${octet(a.address)}`;
    writeFileSync(
      extra,
      stringify({ lab: { hosts: { [a.name]: { wg_address: `${moved}/24` }, [b.name]: { wg_site_prefixes: ['172.30.2.0/24', '172.30.12.0/24'] } } } }),
    );
    const grown = await api!.run!({ playbook: FIX('wireguard.yml'), inventories: [lab.inventoryPath, varsFile(), extra], emit: () => undefined });
    expect(grown.exitCode).toBe(0);
    expect(changedTotal(grown)).toBeGreaterThan(0);
    expect((await harness!.nodeExec(a.name, 'ip route show 172.30.12.0/24')).stdout).toContain('dev wg0');
    expect((await harness!.nodeExec(a.name, 'ip -4 -o addr show dev wg0')).stdout).toContain(` ${moved}/24 `);
    await until('ping from the new address', async () => ((await harness!.nodeExec(a.name, `ping -c 1 -W 2 -I ${moved} ${bAddr}`)).rc === 0 ? true : undefined));
    expect(await goPid()).toBe(implBefore);
    const shrunk = await run('wireguard.yml');
    expect(shrunk.exitCode).toBe(0);
    expect((await harness!.nodeExec(a.name, 'ip -4 -o addr show dev wg0')).stdout).not.toContain(` ${moved}/24 `);
    await until('ping over the tunnel after moving back', async () => ((await harness!.nodeExec(a.name, `ping -c 1 -W 2 ${bAddr}`)).rc === 0 ? true : undefined));
    expect((await harness!.nodeExec(a.name, 'ip route show 172.30.12.0/24')).stdout).toBe('');
    expect((await harness!.nodeExec(a.name, 'ip route show 172.30.2.0/24')).stdout).toContain('dev wg0');
  }, 20 * MIN);
});
