import { existsSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { labInventoryText } from './inventory.js';
import { labLayout, type NodeSpec } from './layout.js';
import { enableForwarding, ensureBridge, ensureNetns, labNetnsNames, removeBridge, restoreForwarding } from './net.js';
import { destroyNode, execInNode, nodeLeader, startNode, supervisorAlive } from './node.js';
import { labPaths, nodePaths, type LabPaths } from './paths.js';
import { ensureRootfs, rootfsStampKey } from './rootfs.js';
import { runTool, waitFor, type RunResult } from './run.js';
import { ensureKeyPair, hostKeyPath, knownHostsText, sshBanner } from './ssh.js';
import { readState, withLabLock, writeState, type LabState, type NodeRecord } from './state.js';

export { labLayout, type NodeSpec } from './layout.js';
export { labPaths, type LabPaths } from './paths.js';
export { NODE_DISK } from './node.js';

export interface LabOptions {
  nodes?: number;
  sites?: number;
  imagesDir?: string;
  /** Progress lines (the CLI prints them to stderr); modules never print. */
  log?: (line: string) => void;
  /** How long to wait for every node's sshd after boot. */
  bootTimeoutMs?: number;
}

export interface LabNode {
  name: string;
  address: string;
  netns: string;
  site: string;
  state: 'up' | 'booting' | 'down';
  /** PID of the node's supervisor loop (0 when down). */
  pid: number;
  /** Host loop device behind the node's /dev/vdb, if the host has loop devices. */
  loop?: string;
}

export interface LabInfo {
  nodes: LabNode[];
  inventoryPath: string;
  sshKey: string;
  knownHosts: string;
}

const REQUIRED_TOOLS = ['systemd-nspawn', 'ip', 'nsenter', 'ssh-keygen', 'mount', 'umount', 'losetup', 'truncate'];

export async function labPreflight(): Promise<void> {
  if (process.platform !== 'linux') fail('E_LAB_PLATFORM', 'lab: the virtual rack needs Linux (network namespaces, systemd-nspawn)');
  if (process.getuid?.() !== 0)
    fail('E_LAB_ROOT', 'lab: the virtual rack needs root (network namespaces, bridges, mounts)', undefined, 'run it as root, e.g. `sudo npx rack lab up`');
  const missing: string[] = [];
  for (const t of REQUIRED_TOOLS) if ((await runTool('sh', ['-c', `command -v ${t}`])).rc !== 0) missing.push(t);
  if (missing.length)
    fail('E_LAB_TOOL', `lab: missing tools: ${missing.join(', ')}`, undefined, 'apt-get install systemd-container iproute2 util-linux openssh-client debootstrap');
}

function nodeInfo(p: LabPaths, rec: NodeRecord, ssh: boolean): LabNode {
  const alive = supervisorAlive(p, rec.spec.name);
  const booted = alive && nodeLeader(p, rec.spec.name) !== undefined;
  return {
    name: rec.spec.name,
    address: rec.spec.address,
    netns: rec.spec.netns,
    site: rec.spec.site.name,
    state: !alive ? 'down' : booted && ssh ? 'up' : 'booting',
    pid: alive ? rec.supervisorPid : 0,
    loop: rec.loop,
  };
}

const sameSpec = (a: NodeSpec, b: NodeSpec) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Bring the lab to `nodes` nodes over `sites` sites. Idempotent: running nodes that match
 * are untouched, dead ones are booted again, nodes not in the layout (or made on another
 * base) are removed. Returns when every node's sshd answers.
 */
export async function labUp(opts: LabOptions = {}): Promise<LabInfo> {
  const log = opts.log ?? (() => {});
  const layout = labLayout(opts.nodes ?? 3, opts.sites ?? 1);
  await labPreflight();
  const p = labPaths(opts.imagesDir);
  return withLabLock(p, async () => {
    // Nodes made on another base go first: the base must not change under running nodes.
    const stamp = rootfsStampKey();
    const state = readState(p);
    for (const [name, rec] of Object.entries(state.nodes)) {
      const want = layout.find((n) => n.name === name);
      if (want && sameSpec(want, rec.spec) && rec.rootfs === stamp) continue;
      log(`lab: removing ${name} (not in this layout)`);
      await destroyNode(p, name, rec.spec.netns, rec.spec.hostVeth);
      delete state.nodes[name];
      writeState(p, state);
    }
    await ensureRootfs(p, log);
    await ensureKeyPair(p.key, 'rack-lab');
    const sites = [...new Map(layout.map((n) => [n.site.bridge, n.site])).values()];
    for (const b of state.bridges.filter((b) => !sites.some((s) => s.bridge === b))) await removeBridge(b);
    for (const s of sites) await ensureBridge(s);
    state.bridges = sites.map((s) => s.bridge);
    if (sites.length > 1 && state.forwardingWas === undefined) state.forwardingWas = enableForwarding();
    if (sites.length === 1 && state.forwardingWas !== undefined) {
      restoreForwarding(state.forwardingWas);
      delete state.forwardingWas;
    }
    writeState(p, state);
    for (const spec of layout) {
      if (state.nodes[spec.name] && supervisorAlive(p, spec.name)) continue;
      log(`lab: booting ${spec.name} (${spec.address}, ${spec.site.name})`);
      await ensureNetns(spec);
      const { pid, loop } = await startNode(p, spec, layout);
      state.nodes[spec.name] = { spec, supervisorPid: pid, loop, rootfs: stamp };
      writeState(p, state);
    }
    const timeout = opts.bootTimeoutMs ?? 300_000;
    await Promise.all(
      layout.map((spec) =>
        waitFor(`${spec.name}'s sshd at ${spec.address}:22`, timeout, async () => {
          if (!supervisorAlive(p, spec.name))
            fail('E_LAB_BOOT', `lab: ${spec.name} stopped while booting`, undefined, `see ${nodePaths(p, spec.name).log}`);
          return (await sshBanner(spec.address)) ? true : undefined;
        }, 500),
      ),
    );
    writeFileSync(
      p.knownHosts,
      knownHostsText(layout.map((n) => ({ ...n, hostKey: readFileSync(`${hostKeyPath(nodePaths(p, n.name).dir)}.pub`, 'utf8') }))),
    );
    writeFileSync(p.inventory, labInventoryText(layout, p.key, p.knownHosts));
    log(`lab: ${layout.length} node(s) up; inventory ${p.inventory}`);
    return info(p, state, true);
  });
}

function info(p: LabPaths, state: LabState, ssh: boolean): LabInfo {
  return {
    nodes: Object.values(state.nodes)
      .sort((a, b) => a.spec.name.localeCompare(b.spec.name, 'en', { numeric: true }))
      .map((r) => nodeInfo(p, r, ssh)),
    inventoryPath: p.inventory,
    sshKey: p.key,
    knownHosts: p.knownHosts,
  };
}

/** Nodes recorded in the state file, with whether each is up (sshd answering), booting or down. */
export async function labStatus(opts: Pick<LabOptions, 'imagesDir'> = {}): Promise<LabInfo> {
  const p = labPaths(opts.imagesDir);
  const state = readState(p);
  const lab = info(p, state, false);
  for (const n of lab.nodes) if (n.state === 'booting' && (await sshBanner(n.address, 22, 1500))) n.state = 'up';
  return lab;
}

/**
 * Remove everything labUp made: node processes (by PID), overlays, loop devices,
 * namespaces, bridges, the forwarding setting. Also sweeps what a crashed run left behind.
 */
export async function labDown(opts: Pick<LabOptions, 'imagesDir' | 'log'> = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  await labPreflight();
  const p = labPaths(opts.imagesDir);
  await withLabLock(p, async () => {
    const state = readState(p);
    const names = new Set(Object.keys(state.nodes));
    if (existsSync(p.nodesDir)) for (const d of readdirSync(p.nodesDir)) names.add(d);
    await Promise.all(
      [...names].map(async (name) => {
        log(`lab: stopping ${name}`);
        const rec = state.nodes[name];
        const n = Number(name.replace(/^node/, ''));
        await destroyNode(p, name, rec?.spec.netns ?? `rack-node${n}`, rec?.spec.hostVeth ?? `rackv-node${n}`);
      }),
    );
    for (const ns of await labNetnsNames()) await runTool('ip', ['netns', 'del', ns]);
    for (const b of new Set([...state.bridges, 'rackbr0', 'rackbr1'])) await removeBridge(b);
    if (state.forwardingWas !== undefined) restoreForwarding(state.forwardingWas);
    for (const f of [p.state, p.knownHosts, p.inventory]) rmSync(f, { force: true });
    for (const f of readdirSync(p.root)) if (/^inventory-.*\.yml$/.test(f)) rmSync(join(p.root, f), { force: true });
  });
  log('lab: down');
}

/** Run POSIX sh text inside a node as root (for tests and diagnostics). */
export function labExec(name: string, cmd: string, opts: Pick<LabOptions, 'imagesDir'> = {}): Promise<RunResult> {
  return execInNode(labPaths(opts.imagesDir), name, cmd);
}
