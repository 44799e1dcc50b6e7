import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A cgroup of its own for each node. systemd-nspawn --keep-unit builds the node's tree
 * (supervisor/, payload/system.slice/...) under the cgroup it was started in, so nodes started
 * by one process would share it: stopping a unit on one node would kill or remove the cgroup
 * of the same unit on every other node (systemd then fails with "Failed to attach to cgroup").
 */

interface Mount {
  root: string;
  point: string;
  fstype: string;
  superOpts: string[];
}

function cgroupMounts(): Mount[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pre, post] = line.split(' - ');
      const f = pre.split(' ');
      const [fstype, , opts = ''] = post.split(' ');
      return { root: f[3], point: f[4], fstype, superOpts: opts.split(',') };
    })
    .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2');
}

/** The directories of this process's cgroup in the hierarchies systemd uses (name=systemd, unified). */
function ownCgroupDirs(): string[] {
  const mounts = cgroupMounts();
  const dirs: string[] = [];
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean)) {
    const [id, controllers, ...rest] = line.split(':');
    const path = rest.join(':');
    const mount =
      id === '0' && controllers === ''
        ? mounts.find((m) => m.fstype === 'cgroup2')
        : controllers === 'name=systemd'
          ? mounts.find((m) => m.fstype === 'cgroup' && m.superOpts.includes('name=systemd'))
          : undefined;
    if (!mount || !path.startsWith(mount.root)) continue;
    dirs.push(join(mount.point, path.slice(mount.root.length)));
  }
  return dirs;
}

/** Make the node's cgroup directories (below this process's own) and return them. */
export function makeNodeCgroups(node: string): string[] {
  const dirs = ownCgroupDirs().map((d) => join(d, `rack-lab-${node}`));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  return dirs;
}

/** Remove a node's cgroup tree once its processes are gone (deepest first; busy ones stay). */
export function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // still has processes: nothing more can be done from here
  }
}
