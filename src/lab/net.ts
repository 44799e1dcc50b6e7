import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { NodeSpec, SiteSpec } from './layout.js';
import { mustRun, runTool } from './run.js';

const linkExists = async (name: string, netns?: string) =>
  (await runTool('ip', [...(netns ? ['-n', netns] : []), 'link', 'show', name])).rc === 0;

export async function ensureBridge(site: SiteSpec): Promise<void> {
  if (!(await linkExists(site.bridge))) await mustRun('ip', ['link', 'add', site.bridge, 'type', 'bridge']);
  const addrs = await runTool('ip', ['-o', '-4', 'addr', 'show', 'dev', site.bridge]);
  if (!addrs.stdout.includes(` ${site.gateway}/24 `)) await mustRun('ip', ['addr', 'add', `${site.gateway}/24`, 'dev', site.bridge]);
  await mustRun('ip', ['link', 'set', site.bridge, 'up']);
}

export async function removeBridge(name: string): Promise<void> {
  if (await linkExists(name)) await mustRun('ip', ['link', 'del', name]);
}

export const netnsPath = (netns: string) => `/run/netns/${netns}`;

/** The node's namespace has its link with its address: nothing to do. */
async function netnsReady(node: NodeSpec): Promise<boolean> {
  if (!existsSync(netnsPath(node.netns))) return false;
  const r = await runTool('ip', ['-n', node.netns, '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  return r.rc === 0 && r.stdout.includes(` ${node.address}/24 `) && (await linkExists(node.hostVeth));
}

/**
 * A network namespace per node with a veth link: eth0 inside carries the node's address,
 * the host end sits on the site bridge, and the default route goes through the host.
 */
export async function ensureNetns(node: NodeSpec): Promise<void> {
  if (await netnsReady(node)) return;
  await removeNetns(node.netns, node.hostVeth);
  const ns = ['-n', node.netns];
  await mustRun('ip', ['netns', 'add', node.netns]);
  await mustRun('ip', ['link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await mustRun('ip', ['link', 'set', node.hostVeth, 'master', node.site.bridge, 'up']);
  await mustRun('ip', [...ns, 'link', 'set', 'lo', 'up']);
  await mustRun('ip', [...ns, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0']);
  await mustRun('ip', [...ns, 'link', 'set', 'eth0', 'up']);
  await mustRun('ip', [...ns, 'route', 'add', 'default', 'via', node.site.gateway]);
}

export async function removeNetns(netns: string, hostVeth?: string): Promise<void> {
  if (existsSync(netnsPath(netns))) await mustRun('ip', ['netns', 'del', netns]);
  if (hostVeth && (await linkExists(hostVeth))) await mustRun('ip', ['link', 'del', hostVeth]);
}

/** Every lab namespace present on the host, including ones a crashed run left behind. */
export async function labNetnsNames(): Promise<string[]> {
  const r = await runTool('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[0])
    .filter((n) => /^rack-node\d+$/.test(n));
}

const FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** Route between site bridges; returns the previous setting so labDown can restore it. */
export function enableForwarding(): string {
  const before = readFileSync(FORWARD, 'utf8').trim();
  if (before !== '1') writeFileSync(FORWARD, '1\n');
  return before;
}

export function restoreForwarding(value: string): void {
  writeFileSync(FORWARD, `${value}\n`);
}
