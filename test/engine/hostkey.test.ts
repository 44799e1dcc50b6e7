// Host keys on the virtual rack: a changed key stops that host only; an unknown key is
// refused, or recorded with trustNewHosts (which still refuses a changed key).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/connection/known-hosts.js';
import { labInventoryText } from '../../src/lab/inventory.js';
import { labLayout } from '../../src/lab/index.js';
import { requireLab, useLab, type LabHandle } from '../helpers/lab.js';
import { runCollect } from './support.js';

const skip = requireLab();

describe.skipIf(skip)('host key checking on the virtual rack', () => {
  let lab: LabHandle;
  const tmp = mkdtempSync(join(tmpdir(), 'rack-engine-hostkey-'));
  const playbook = join(tmp, 'play.yml');
  let realLines: string[];

  /** The lab inventory, but with host keys checked against `knownHosts`. */
  function inventoryWith(knownHosts: string): string {
    const path = join(tmp, `inv-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(path, labInventoryText(labLayout(3, 1), lab.sshKey, knownHosts));
    return path;
  }
  const lineFor = (address: string) => realLines.find((l) => l.split(/\s+/)[0].split(',').includes(address))!;
  const offered = (address: string) => fingerprint(Buffer.from(lineFor(address).split(/\s+/)[2], 'base64'));
  const go = (knownHosts: string, trustNewHosts = false) =>
    runCollect({ playbook, inventories: [inventoryWith(knownHosts)], trustNewHosts, stateFile: join(tmp, 'resume.json') });

  beforeAll(async () => {
    lab = await useLab({ nodes: 3 });
    realLines = readFileSync(lab.knownHosts, 'utf8').trim().split('\n').filter((l) => l && !l.startsWith('#'));
    writeFileSync(playbook, '- hosts: lab\n  gather_facts: false\n  tasks:\n    - name: who\n      command: hostname\n');
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await lab?.release();
  });

  it('a changed host key refuses that host with its fingerprint; the others run', async () => {
    const wrong = join(tmp, 'known_hosts_changed');
    // node2's address recorded with node1's key.
    writeFileSync(wrong, realLines.map((l) => (l === lineFor('10.88.0.12') ? lineFor('10.88.0.11').replace(/^\S+/, '10.88.0.12') : l)).join('\n') + '\n');
    for (const trust of [false, true]) {
      const r = await go(wrong, trust);
      expect(r.exitCode).toBe(4);
      expect(r.recap.hosts.node2.unreachable).toBe(1);
      const refused = r.tasks.find((t) => t.host === 'node2')!;
      expect(refused.status).toBe('unreachable');
      expect(refused.msg).toContain('HOST KEY CHANGED for 10.88.0.12');
      expect(refused.msg).toContain(offered('10.88.0.12'));
      for (const h of ['node1', 'node3']) expect(r.tasks.find((t) => t.host === h && t.task === 'who')?.status).toBe('changed');
      expect(readFileSync(wrong, 'utf8')).not.toContain(lineFor('10.88.0.12').split(/\s+/)[2]); // never recorded
    }
  });

  it('an unknown host is refused, then recorded with trustNewHosts', async () => {
    const partial = join(tmp, 'known_hosts_partial');
    writeFileSync(partial, realLines.filter((l) => l !== lineFor('10.88.0.13')).join('\n') + '\n');
    const refused = await go(partial);
    expect(refused.exitCode).toBe(4);
    const t = refused.tasks.find((e) => e.host === 'node3')!;
    expect(t.status).toBe('unreachable');
    expect(t.msg).toContain(`unknown host key for 10.88.0.13`);
    expect(t.msg).toContain(offered('10.88.0.13'));

    const trusted = await go(partial, true);
    expect(trusted.exitCode).toBe(0);
    expect(trusted.tasks.find((e) => e.host === 'node3')?.status).toBe('changed');
    const recorded = readFileSync(partial, 'utf8').trim().split('\n').at(-1)!;
    expect(recorded.split(/\s+/)[2]).toBe(lineFor('10.88.0.13').split(/\s+/)[2]);
    // Now known: a plain run accepts it.
    expect((await go(partial)).exitCode).toBe(0);
  });
});
