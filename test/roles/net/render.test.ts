import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RackError } from '../../../src/errors.js';
import { HAVE, frrCheck, hostView, nftCheck, renderRoleTemplate, wgLoad } from './tools.js';

// Three nodes on two sites, as the lab lays them out (home1: node1, node2; home2: node3).
const INVENTORY = (): Record<string, Record<string, unknown>> => ({
  node1: { ansible_host: '10.88.0.11', site: 'home1' },
  node2: { ansible_host: '10.88.0.12', site: 'home1' },
  node3: { ansible_host: '10.89.0.13', site: 'home2' },
});
const GROUPS = { lab: ['node1', 'node2', 'node3'], home1: ['node1', 'node2'], home2: ['node3'] };
const NODES = Object.keys(INVENTORY());

const frrFor = (hosts: Record<string, Record<string, unknown>>, host: string, extra: Record<string, unknown> = {}) =>
  renderRoleTemplate('frr', 'frr.conf.hbs', hostView(hosts, GROUPS, host, { frr_peer_group: 'lab', ...extra }));
const neighbours = (conf: string): string[] => [...conf.matchAll(/^ neighbor (\S+) remote-as (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);

describe.skipIf(!HAVE.vtysh)('frr.conf, checked by vtysh --dryrun', () => {
  it('iBGP full mesh: one ASN, every other node of the group a neighbour, loopback advertised', () => {
    const hosts = INVENTORY();
    NODES.forEach((n, i) => (hosts[n].frr_loopback = `10.255.0.${i + 1}/32`));
    for (const n of NODES) {
      const conf = frrFor(hosts, n);
      const others = NODES.filter((o) => o !== n).map((o) => `${hosts[o].ansible_host} 65000`);
      expect(neighbours(conf)).toEqual(others);
      expect(conf).toContain(`bgp router-id ${String(hosts[n].frr_loopback).split('/')[0]}`);
      expect(conf).toContain(`  network ${hosts[n].frr_loopback}`);
      expect(frrCheck(conf)).toMatchObject({ rc: 0 });
    }
  });

  it('eBGP: a per-host ASN makes each neighbour external with its own ASN; router id from the address', () => {
    const hosts = INVENTORY();
    NODES.forEach((n, i) => (hosts[n].frr_asn = 65101 + i));
    const conf = frrFor(hosts, 'node2', { frr_asn: 65102 });
    expect(conf).toContain('router bgp 65102');
    expect(conf).toContain('bgp router-id 10.88.0.12');
    expect(neighbours(conf)).toEqual(['10.88.0.11 65101', '10.89.0.13 65103']);
    expect(frrCheck(conf)).toMatchObject({ rc: 0 });
  });

  it('unnumbered interfaces, elastic prefixes, EVPN and a passive Cilium peer', () => {
    const conf = frrFor(INVENTORY(), 'node1', {
      frr_peer_group: '',
      frr_unnumbered_interfaces: ['eth1', 'eth2'],
      frr_elastic_prefixes: ['203.0.113.7/32', '198.51.100.0/28'],
      frr_evpn: true,
      frr_cilium_peer: { address: '10.88.0.11', asn: 65200 },
    });
    expect(conf).toContain(' neighbor eth1 interface remote-as external');
    expect(conf).toContain(' neighbor eth2 interface remote-as external');
    expect(conf).toMatch(/address-family l2vpn evpn\n {2}neighbor eth1 activate\n {2}neighbor eth2 activate\n {2}advertise-all-vni/);
    expect(conf).toContain('  network 198.51.100.0/28');
    expect(conf).toContain(' neighbor 10.88.0.11 passive');
    expect(neighbours(conf)).toEqual(['10.88.0.11 65200']);
    expect(frrCheck(conf)).toMatchObject({ rc: 0 });
  });

  it('EVPN over the iBGP mesh activates every group neighbour', () => {
    const conf = frrFor(INVENTORY(), 'node3', { frr_evpn: true });
    expect(conf).toMatch(/address-family l2vpn evpn\n {2}neighbor 10.88.0.11 activate\n {2}neighbor 10.88.0.12 activate\n {2}advertise-all-vni/);
    expect(frrCheck(conf)).toMatchObject({ rc: 0 });
  });

  it('the checker rejects a config FRR cannot load (so the validate step can fail)', () => {
    const conf = frrFor(INVENTORY(), 'node1', { frr_asn: 4294967296 });
    const r = frrCheck(conf);
    expect(r.rc).not.toBe(0);
    expect(r.out).toContain('router bgp 4294967296');
  });
});

describe('frr.conf strictness', () => {
  it('a peer without an address is an error naming the variable, not a silent gap', () => {
    const hosts = INVENTORY();
    delete hosts.node3.ansible_host;
    expect(() => frrFor(hosts, 'node1')).toThrow(RackError);
    expect(() => frrFor(hosts, 'node1')).toThrow(/node3\.ansible_host/);
  });
});

const nft = (extra: Record<string, unknown>) => renderRoleTemplate('nftables', 'nftables.conf.hbs', hostView(INVENTORY(), GROUPS, 'node1', extra));

describe.skipIf(!HAVE.nft || !HAVE.unshare)('nftables.conf, checked by nft -c in a namespace of its own', () => {
  it('host firewall: default drop, each service only from its declared sources', () => {
    const conf = nft({
      nft_ssh_sources: ['10.88.0.0/24', '192.0.2.10'],
      nft_bgp_sources: ['10.88.0.0/24'],
      nft_k3s_sources: ['10.88.0.0/24', '10.89.0.0/24'],
      nft_wireguard_sources: ['0.0.0.0/0'],
      nft_extra_rules: [{ proto: 'tcp', port: '9000-9001', sources: ['10.88.0.0/24'], comment: 'minio' }],
    });
    expect(conf).toMatch(/^flush ruleset$/m);
    expect(conf).toContain('policy drop;');
    expect(conf).toContain('ip saddr { 10.88.0.0/24, 192.0.2.10 } tcp dport 22 accept');
    expect(conf).toContain('tcp dport 179 accept');
    expect(conf).toContain('tcp dport { 6443, 10250 } accept');
    expect(conf).toContain('udp dport 8472 accept');
    expect(conf).toContain('ip saddr { 0.0.0.0/0 } udp dport 51820 accept');
    expect(conf).toContain('tcp dport 9000-9001 accept comment "minio"');
    expect(conf).not.toContain('masquerade');
    expect(nftCheck(conf)).toMatchObject({ rc: 0 });
  });

  it('a service with no sources gets no rule at all', () => {
    const conf = nft({});
    expect(conf).not.toMatch(/ip saddr .* dport (179|8472|51820)/);
    expect(nftCheck(conf)).toMatchObject({ rc: 0 });
  });

  it('NAT gateway (portable-datacenter seed): masquerade on the uplink, LAN forwarded out, replies back', () => {
    const conf = nft({ nft_nat: { lan_interface: 'ethLocalNetwork', lan_cidr: '192.168.142.0/24', uplink_interface: 'ethToInternet' } });
    expect(conf).toContain('oifname "ethToInternet" ip saddr 192.168.142.0/24 masquerade');
    expect(conf).toContain('iifname "ethLocalNetwork" ip saddr 192.168.142.0/24 oifname "ethToInternet" accept');
    expect(conf).toMatch(/chain forward \{[^}]*ct state established,related accept/);
    expect(nftCheck(conf)).toMatchObject({ rc: 0 });
  });

  it('without flush ruleset only rack tables are replaced (other programs keep theirs)', () => {
    const conf = nft({ nft_flush_ruleset: false, nft_nat: { lan_interface: 'lan0', lan_cidr: '10.1.0.0/16', uplink_interface: 'wan0' } });
    expect(conf).not.toContain('flush ruleset');
    expect(conf).toContain('delete table inet rack_filter');
    expect(conf).toContain('delete table ip rack_nat');
    expect(nftCheck(conf)).toMatchObject({ rc: 0 });
  });

  it('nft -c rejects a bad source (so the validate step can fail)', () => {
    const r = nftCheck(nft({ nft_ssh_sources: ['10.0.0.0/33'] }));
    expect(r.rc).not.toBe(0);
    expect(r.out).toMatch(/Prefix length 33 is invalid/);
  });
});

// Two sites: home1 (node1, node2) and home2 (node3). node2 is not a gateway.
function wgInventory(keys: Record<string, string>): Record<string, Record<string, unknown>> {
  const hosts = INVENTORY();
  const site = (n: string) => String(hosts[n].site);
  NODES.forEach((n, i) => {
    Object.assign(hosts[n], { wg_site: site(n), wg_address: `10.99.0.${i + 1}/24`, wg_public_key: keys[n] });
  });
  hosts.node1.wg_site_prefixes = ['172.30.1.0/24'];
  hosts.node3.wg_site_prefixes = ['172.30.2.0/24', '172.30.3.0/24'];
  hosts.node2.wg_gateway = false;
  return hosts;
}
const wgFor = (hosts: Record<string, Record<string, unknown>>, host: string) =>
  renderRoleTemplate('wireguard', 'wg.conf.hbs', hostView(hosts, GROUPS, host));
const peersOf = (conf: string): string[] => [...conf.matchAll(/^# (\S+) \(site/gm)].map((m) => m[1]);

describe('wg0.conf', () => {
  const fakeKeys = { node1: 'k1', node2: 'k2', node3: 'k3' };

  it('peers are the gateways of the other sites, with their address and site prefixes', () => {
    const hosts = wgInventory(fakeKeys);
    const n1 = wgFor(hosts, 'node1');
    expect(peersOf(n1)).toEqual(['node3']);
    expect(n1).toContain('Endpoint = 10.89.0.13:51820');
    expect(n1).toContain('AllowedIPs = 10.99.0.3/32, 172.30.2.0/24, 172.30.3.0/24');
    // node2 is no gateway: node3 has no tunnel to it.
    const n3 = wgFor(hosts, 'node3');
    expect(peersOf(n3)).toEqual(['node1']);
    expect(n3).toContain('AllowedIPs = 10.99.0.1/32, 172.30.1.0/24');
    expect(n3).toContain('PublicKey = k1');
  });

  it('the private key never enters the config: it is loaded on the node by PostUp', () => {
    const n1 = wgFor(wgInventory(fakeKeys), 'node1');
    expect(n1).not.toMatch(/PrivateKey/);
    expect(n1).toContain('PostUp = wg set %i private-key /etc/wireguard/private.key');
  });

  it('a peer whose public key is unknown (not in this run) is an error, not a tunnel without a key', () => {
    const hosts = wgInventory(fakeKeys);
    delete hosts.node3.wg_public_key;
    expect(() => wgFor(hosts, 'node1')).toThrow(/node3\.wg_public_key/);
  });

  it.skipIf(!HAVE.wireguardGo || !HAVE.unshare)('wg accepts the rendered configs of all three nodes, and rejects a bad key', () => {
    const keys: Record<string, string> = {};
    for (const n of NODES) {
      const priv = execFileSync('wg', ['genkey'], { encoding: 'utf8' });
      keys[n] = execFileSync('wg', ['pubkey'], { input: priv, encoding: 'utf8' }).trim();
    }
    const hosts = wgInventory(keys);
    for (const n of NODES) {
      const r = wgLoad(wgFor(hosts, n));
      expect(r, r.out).toMatchObject({ rc: 0 });
      if (n === 'node1') expect(r.out).toContain(`PublicKey = ${keys.node3}`);
    }
    hosts.node3.wg_public_key = 'not-a-key';
    const bad = wgLoad(wgFor(hosts, 'node1'));
    expect(bad.rc).not.toBe(0);
    expect(bad.out).toMatch(/Key is not the correct length or format/);
  });
});
