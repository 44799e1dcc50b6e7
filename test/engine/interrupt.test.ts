// Ctrl-C during a large copy to every node: exit 130, the recap is printed, and no temp
// file or partial destination stays on any node.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labPaths } from '../../src/lab/index.js';
import { nodePaths } from '../../src/lab/paths.js';
import { nodeExec, requireLab, useLab, type LabHandle } from '../helpers/lab.js';
import { nodeOut, until } from './support.js';

const skip = requireLab();
const NODES = ['node1', 'node2', 'node3'];
const DIR = '/root/rack-interrupt';
const SIZE = 64 * 1024 * 1024;

describe.skipIf(skip)('Ctrl-C during a run on the virtual rack', () => {
  let lab: LabHandle;
  const tmp = mkdtempSync(join(tmpdir(), 'rack-engine-int-'));
  let digest = '';

  beforeAll(async () => {
    lab = await useLab({ nodes: 3 });
    const big = randomBytes(SIZE);
    digest = createHash('sha256').update(big).digest('hex');
    writeFileSync(join(tmp, 'big.bin'), big);
    writeFileSync(
      join(tmp, 'play.yml'),
      `- hosts: lab
  gather_facts: false
  tasks:
    - name: big copy
      copy:
        src: big.bin
        dest: ${DIR}/big.bin
    - name: never reached
      debug:
        msg: no
`,
    );
    await Promise.all(NODES.map((n) => nodeOut(n, `rm -rf ${DIR} && mkdir -p ${DIR}`)));
  });
  afterAll(async () => {
    await Promise.all(NODES.map((n) => nodeExec(n, `rm -rf ${DIR}`).catch(() => undefined)));
    rmSync(tmp, { recursive: true, force: true });
    await lab?.release();
  });

  it('exits 130 with a recap and leaves no temp file or partial copy on any node', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/bin.ts'), 'run', join(tmp, 'play.yml'), '-i', lab.inventoryPath], {
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      // Mid-transfer: a temp file is being written next to the destination on some node.
      // Watched through the nodes' writable layers on this machine: quicker than entering a node.
      const dirs = NODES.map((n) => join(nodePaths(labPaths(), n).upper, DIR));
      await until('the copy to be under way', 120_000, () =>
        dirs.some((d) => existsSync(d) && readdirSync(d).some((f) => f.startsWith('.rack-tmp-'))) ? true : undefined, 20);
      child.kill('SIGINT');
      const code = await exited;
      expect(code, stderr).toBe(130);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toContain('PLAY RECAP');
    expect(stderr).not.toContain('never reached');
    for (const n of NODES) {
      // Nothing but, possibly, a complete copy (a host that finished before the interrupt).
      const left = (await nodeOut(n, `cd ${DIR} && ls -A`)).split('\n').filter(Boolean);
      expect(left.filter((f) => f !== 'big.bin'), `${n}: ${left.join(' ')}`).toEqual([]);
      if (left.includes('big.bin')) expect(await nodeOut(n, `sha256sum ${DIR}/big.bin | cut -d' ' -f1`)).toBe(digest);
    }
  });
});
