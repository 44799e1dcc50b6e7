// The virtual rack for tests: skip reasons, a shared lab with leases, and commands run inside nodes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labInventoryText } from '../../src/lab/inventory.js';
import { labDown, labExec, labLayout, labPaths, labStatus, labUp } from '../../src/lab/index.js';
import { alive } from '../../src/lab/run.js';

export interface LabHandle {
  /** An inventory for exactly the nodes asked for (group `lab`, one child group per site). */
  inventoryPath: string;
  nodes: { name: string; address: string; netns: string; site: string }[];
  sshKey: string;
  knownHosts: string;
  /** Give the lab back: it goes down if this call brought it up and no other test holds it. */
  release(): Promise<void>;
}

const TOOLS = ['systemd-nspawn', 'debootstrap', 'ip', 'nsenter', 'ssh', 'ssh-keygen', 'losetup', 'dpkg-deb', 'chroot'];

/** Why lab tests cannot run here, or undefined when they can. */
export function requireLab(): string | undefined {
  if (process.platform !== 'linux') return 'the virtual rack needs Linux';
  if (process.getuid?.() !== 0) return 'the virtual rack needs root';
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length) return `missing tools for the virtual rack: ${missing.join(', ')}`;
  return undefined;
}

const leaseDir = () => join(labPaths().root, 'leases');

function otherLeases(mine: string): string[] {
  if (!existsSync(leaseDir())) return [];
  return readdirSync(leaseDir()).filter((f) => {
    if (f === mine) return false;
    if (alive(Number(f.split('-')[0]))) return true;
    rmSync(join(leaseDir(), f), { force: true }); // its process died without releasing
    return false;
  });
}

/**
 * Bring up (or reuse) the lab with at least these nodes. A lab that is already up with the
 * same layout for these nodes is reused untouched, so test files can share it.
 */
export async function useLab(opts: { nodes?: number; sites?: number } = {}): Promise<LabHandle> {
  const nodes = opts.nodes ?? 3;
  const sites = opts.sites ?? 1;
  const layout = labLayout(nodes, sites);
  const p = labPaths();
  const lease = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  mkdirSync(leaseDir(), { recursive: true });
  writeFileSync(join(leaseDir(), lease), '');
  const before = await labStatus();
  const fits = layout.every((want) =>
    before.nodes.some((n) => n.name === want.name && n.address === want.address && n.site === want.site.name && n.state === 'up'),
  );
  const wasUp = before.nodes.length > 0;
  const lab = fits ? before : await labUp({ nodes, sites });
  const inventoryPath = join(p.root, `inventory-${nodes}n${sites}s.yml`);
  writeFileSync(inventoryPath, labInventoryText(layout, lab.sshKey, lab.knownHosts));
  return {
    inventoryPath,
    nodes: layout.map((n) => ({ name: n.name, address: n.address, netns: n.netns, site: n.site.name })),
    sshKey: lab.sshKey,
    knownHosts: lab.knownHosts,
    async release() {
      rmSync(join(leaseDir(), lease), { force: true });
      if (!wasUp && otherLeases(lease).length === 0) await labDown();
    },
  };
}

/** Run POSIX sh text inside a node as root (through its namespaces, not SSH). */
export function nodeExec(name: string, cmd: string): Promise<{ rc: number; stdout: string; stderr: string }> {
  return labExec(name, cmd);
}
