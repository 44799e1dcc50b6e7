import { resolve, join } from 'node:path';

/** Where the lab keeps everything it builds, under the images directory. */
export interface LabPaths {
  root: string; // images/lab
  rootfs: string; // the finished, shared base filesystem (read-only lower layer)
  rootfsStamp: string; // the package list the rootfs was built from
  debCache: string; // downloaded .debs kept between builds
  nodesDir: string; // one directory per node: upper/work/merged, host keys, disk
  key: string; // the lab's private key (root login on every node)
  knownHosts: string; // every node's real host key, for strict checking
  state: string; // what labUp started, so labDown can undo it by PID
  inventory: string; // inventory generated for the layout that is up
}

export function labPaths(imagesDir = 'images'): LabPaths {
  const root = resolve(imagesDir, 'lab');
  return {
    root,
    rootfs: join(root, 'rootfs'),
    rootfsStamp: join(root, 'rootfs', '.rack-stamp.json'),
    debCache: join(root, 'debs'),
    nodesDir: join(root, 'nodes'),
    key: join(root, 'id_ed25519'),
    knownHosts: join(root, 'known_hosts'),
    state: join(root, 'state.json'),
    inventory: join(root, 'inventory.yml'),
  };
}

export interface NodePaths {
  dir: string;
  upper: string;
  work: string;
  merged: string;
  disk: string; // sparse file behind the node's loop device
  supervisorPid: string; // written by the supervisor loop itself
  nspawnPid: string; // the current systemd-nspawn process of the node
  stop: string; // present = the supervisor must not restart the node
  log: string;
}

export function nodePaths(p: LabPaths, name: string): NodePaths {
  const dir = join(p.nodesDir, name);
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    merged: join(dir, 'merged'),
    disk: join(dir, 'disk.img'),
    supervisorPid: join(dir, 'supervisor.pid'),
    nspawnPid: join(dir, 'nspawn.pid'),
    stop: join(dir, 'stop'),
    log: join(dir, 'console.log'),
  };
}
