import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { RackError } from '../../src/errors.js';
import { buildAptRepo, REPO_PACKAGES } from '../../src/lab/apt-repo.js';
import { labDown, labLayout, labUp } from '../../src/lab/index.js';
import { labInventory } from '../../src/lab/inventory.js';
import { labMain } from '../../src/cli/lab.js';

describe('lab layout', () => {
  it('puts one site on rackbr0 with addresses from 10.88.0.11', () => {
    const l = labLayout(3, 1);
    expect(l.map((n) => [n.name, n.address, n.netns, n.site.bridge])).toEqual([
      ['node1', '10.88.0.11', 'rack-node1', 'rackbr0'],
      ['node2', '10.88.0.12', 'rack-node2', 'rackbr0'],
      ['node3', '10.88.0.13', 'rack-node3', 'rackbr0'],
    ]);
  });
  it('splits nodes over two sites, second site on rackbr1 / 10.89.0.0/24', () => {
    const l = labLayout(4, 2);
    expect(l.map((n) => [n.name, n.site.name, n.address])).toEqual([
      ['node1', 'home1', '10.88.0.11'],
      ['node2', 'home1', '10.88.0.12'],
      ['node3', 'home2', '10.89.0.13'],
      ['node4', 'home2', '10.89.0.14'],
    ]);
    expect(l[3].site.gateway).toBe('10.89.0.1');
  });
  it('refuses impossible layouts with a RackError', () => {
    expect(() => labLayout(0, 1)).toThrow(RackError);
    expect(() => labLayout(2, 3)).toThrow(/sites/);
    expect(() => labLayout(1.5, 1)).toThrow(/nodes/);
  });
});

describe('lab inventory', () => {
  it('the shipped inventory/lab.yml matches the 3-node layout labUp makes', () => {
    const shipped = parse(readFileSync('inventory/lab.yml', 'utf8'));
    const made = labInventory(labLayout(3, 1), 'images/lab/id_ed25519', 'images/lab/known_hosts') as any;
    for (const [name, host] of Object.entries<any>(made.lab.hosts)) {
      expect(shipped.lab.hosts[name].ansible_host).toBe(host.ansible_host);
      expect(shipped.lab.vars.site).toBe(host.site);
    }
    expect(Object.keys(shipped.lab.hosts)).toEqual(Object.keys(made.lab.hosts));
    for (const k of ['ansible_user', 'ansible_ssh_private_key_file', 'ansible_ssh_common_args', 'lab', 'lab_disk'])
      expect(shipped.lab.vars[k]).toEqual(made.lab.vars[k]);
    expect(Object.keys(shipped.lab.children.home1.hosts)).toEqual(['node1', 'node2', 'node3']);
  });
});

describe('lab needs root', () => {
  afterEach(() => vi.restoreAllMocks());
  it('labUp and labDown say so clearly when not root', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    await expect(labUp({ nodes: 1 })).rejects.toMatchObject({ diagnostics: [{ code: 'E_LAB_ROOT' }] });
    await expect(labDown()).rejects.toThrow(/needs root/);
  });
  it('the CLI prints the diagnostic and exits 1', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    let err = '';
    const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(s), true) }) as unknown as NodeJS.WritableStream;
    const rc = await labMain(['up', '--nodes', '2'], { stdout: sink(() => {}), stderr: sink((s) => (err += s)) });
    expect(rc).toBe(1);
    expect(err).toMatch(/E_LAB_ROOT/);
    expect(err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
  it('the CLI rejects an unknown action and a bad count', async () => {
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    expect(await labMain(['sideways'], { stdout: sink, stderr: sink })).toBe(1);
    expect(await labMain(['up', '--nodes', 'many'], { stdout: sink, stderr: sink })).toBe(1);
  });
});

describe.skipIf(spawnSync('sh', ['-c', 'command -v dpkg-deb']).status !== 0)('lab apt repository', () => {
  it('builds real .debs and an index whose sizes and hashes match them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rack-repo-'));
    try {
      await buildAptRepo(root);
      const repo = join(root, 'srv/rack-repo');
      const index = readFileSync(join(repo, 'Packages'), 'utf8');
      const stanzas = index.trim().split(/\n\n/);
      expect(stanzas).toHaveLength(REPO_PACKAGES.length);
      for (const s of stanzas) {
        const field = (k: string) => s.match(new RegExp(`^${k}: (.*)$`, 'm'))![1];
        const deb = readFileSync(join(repo, field('Filename')));
        expect(Number(field('Size'))).toBe(deb.length);
        expect(field('SHA256')).toBe(createHash('sha256').update(deb).digest('hex'));
        const info = spawnSync('dpkg-deb', ['-f', join(repo, field('Filename')), 'Package', 'Version'], { encoding: 'utf8' });
        expect(info.stdout).toBe(`Package: ${field('Package')}\nVersion: ${field('Version')}\n`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
