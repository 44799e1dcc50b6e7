import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { FIXTURES } from './helpers.js';

const dir = join(FIXTURES, 'precedence');

// Level k defines v<k> and v<k+1> with value L<k>: v<k> then proves level k beats level k-1,
// and varRef must point at the file and line of level k.
const LEVELS: Array<[number, string, string, number]> = [
  [1, 'all vars in the inventory file', 'inv/hosts.ini', 7],
  [2, 'parent group vars in the inventory file', 'inv/hosts.ini', 10],
  [3, 'child group vars in the inventory file', 'inv/hosts.ini', 13],
  [4, 'group_vars/all next to the inventory', 'inv/group_vars/all.yml', 1],
  [5, 'group_vars/all next to the playbook', 'play/group_vars/all.yml', 1],
  [6, 'group_vars/PARENT next to the inventory', 'inv/group_vars/parent.yml', 1],
  [7, 'group_vars/CHILD next to the inventory (all inventory-side group files first)', 'inv/group_vars/child.yml', 1],
  [8, 'group_vars/PARENT next to the playbook', 'play/group_vars/parent.yml', 1],
  [9, 'group_vars/CHILD next to the playbook', 'play/group_vars/child.yml', 1],
  [10, 'host vars in the inventory file', 'inv/hosts.ini', 4],
  [11, 'host_vars/HOST next to the inventory', 'inv/host_vars/h.yml', 1],
  [12, 'host_vars/HOST next to the playbook', 'play/host_vars/h.yml', 1],
];

describe('variable precedence: each level beats the one below', async () => {
  const { inventory, diagnostics } = await loadInventory([join(dir, 'inv/hosts.ini')], { playbookDir: join(dir, 'play') });
  const vars = inventory.hostVars('h');

  it('loads cleanly', () => expect(diagnostics).toEqual([]));

  for (const [k, what, file, line] of LEVELS)
    it(`${k}: ${what}`, () => {
      expect(vars[`v${k}`]).toBe(`L${k}`);
      expect(inventory.varRef('h', `v${k}`)).toMatchObject({ file: join(dir, file), line });
    });

  it('without the playbook folder, inventory-side files win', async () => {
    const { inventory: inv } = await loadInventory([join(dir, 'inv/hosts.ini')]);
    const v = inv.hostVars('h');
    expect([v.v5, v.v8, v.v9, v.v12]).toEqual(['L4', 'L7', undefined, 'L11']);
  });

  it('a host in the group without host vars stops at group level', () => {
    const other = inventory.hostVars('other');
    expect([other.v9, other.v10, other.v11]).toEqual(['L9', 'L9', undefined]);
  });
});

describe('deeper groups beat shallower ones, then ansible_group_priority, then name', () => {
  it('orders groups of the same depth by priority, then name', async () => {
    const { inventory } = await loadInventory([join(FIXTURES, 'priority', 'hosts.yml')]);
    // zeta has priority 10, so it is merged last; beta beats alpha by name; gamma beats beta
    expect(inventory.hostVars('box')).toMatchObject({ who: 'zeta', other: 'gamma' });
    expect(inventory.hostVars('box')).not.toHaveProperty('ansible_group_priority');
  });

  it('orders by depth first', async () => {
    const { inventory } = await loadInventory([join(FIXTURES, 'yaml-nested', 'inventory.yml')]);
    expect(inventory.hostVars('pi1').level).toBe('pis');
    expect(inventory.hostVars('nuc1').level).toBe('dc');
    expect(inventory.hostVars('pi2').level).toBe('host');
  });
});
