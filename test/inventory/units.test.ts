import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/commands/secret.js';
import { connectionSettings, CONNECTION_VARS, loadInventory } from '../../src/inventory/index.js';
import { iniValue } from '../../src/inventory/pylit.js';
import { expandHostPattern, expandRanges } from '../../src/inventory/ranges.js';
import { splitWords } from '../../src/inventory/shlex.js';
import { FIXTURES } from './helpers.js';

describe('INI values are Python literals when they parse as one', () => {
  const table: Array<[string, unknown]> = [
    ['42', 42], ['-7', -7], ['1.5', 1.5], ['2e3', 2000], ['0x1F', 31], ['1_000', 1000], ['True', true], ['False', false],
    ['None', null], ['true', 'true'], ['yes', 'yes'], ['010', '010'], ['1.2.3', '1.2.3'], ["'a' 'b'", 'ab'],
    ["[1, 'two', 3.0]", [1, 'two', 3]], ["{'a': {'b': None}}", { a: { b: null } }], ['(1,)', [1]], ['(1)', 1],
    ['5 # note', 5], ['"tab\\there"', 'tab\there'], ['f"x"', 'f"x"'], ['1+2j', '1+2j'], ['', ''], ['[1, 2', '[1, 2'],
  ];
  for (const [text, value] of table) it(JSON.stringify(text), () => expect(iniValue(text)).toEqual(value));
});

describe('host line words', () => {
  it('splits like a shell, keeps offsets, stops at #', () => {
    expect(splitWords(`h1  a="x y" b='q"' c=d\\ e #tail`)).toEqual([
      { text: 'h1', start: 0 }, { text: 'a=x y', start: 4 }, { text: 'b=q"', start: 12 }, { text: 'c=d e', start: 19 },
    ]);
    expect(() => splitWords('h a="open')).toThrow('No closing quotation');
  });
});

describe('host ranges', () => {
  it('expands numbers, padding, steps, letters and several ranges', () => {
    expect(expandRanges('n[08:11]')).toEqual(['n08', 'n09', 'n10', 'n11']);
    expect(expandRanges('n[1:9:4]')).toEqual(['n1', 'n5', 'n9']);
    expect(expandRanges('s[y:B]')).toEqual(['sy', 'sz', 'sA', 'sB']);
    expect(expandRanges('r[1:2]n[a:b]')).toEqual(['r1na', 'r1nb', 'r2na', 'r2nb']);
    expect(expandRanges('n[3:1]')).toEqual([]);
  });
  it('splits ports from names and addresses', () => {
    expect(expandHostPattern('pi[1:2]:2222')).toEqual({ names: ['pi1', 'pi2'], port: 2222 });
    expect(expandHostPattern('[fe80::1]:22')).toEqual({ names: ['fe80::1'], port: 22 });
    expect(expandHostPattern('fe80::1')).toEqual({ names: ['fe80::1'] });
  });
});

describe('connection settings', () => {
  it('reads Ansible names', () => {
    const s = connectionSettings({
      ansible_host: '10.0.0.5', ansible_port: '2222', ansible_user: 'pi', ansible_ssh_private_key_file: 'keys/id',
      ansible_connection: 'ssh', ansible_become: 'yes', ansible_become_user: 'admin', ansible_password: 'pw',
      ansible_become_pass: 'bpw', ansible_ssh_common_args: '-o A=1', ansible_ssh_extra_args: '-o B=2',
    });
    expect(s).toMatchObject({ address: '10.0.0.5', port: 2222, user: 'pi', keyFile: 'keys/id', connection: 'ssh', become: true, becomeUser: 'admin', sshArgs: '-o A=1 -o B=2' });
    expect(s.password).toBeInstanceOf(Secret);
    expect([s.password?.reveal(), s.becomePassword?.reveal()]).toEqual(['pw', 'bpw']);
  });
  it("rack's short names win over Ansible's", () => {
    expect(connectionSettings({ ansible_host: 'a', ssh_host: 'b', ssh_port: 22, ansible_port: 2200, ssh_user: 'u', ssh_key: 'k', connection: 'local', become: false, ansible_become: true, become_user: 'x' }))
      .toEqual({ address: 'b', port: 22, user: 'u', keyFile: 'k', connection: 'local', become: false, becomeUser: 'x' });
  });
  it('documents every name it reads', () => {
    const names = CONNECTION_VARS.flatMap((v) => [v.rack, ...v.ansible]).filter(Boolean);
    for (const n of ['ansible_host', 'ansible_port', 'ansible_user', 'ansible_ssh_private_key_file', 'ansible_connection', 'ansible_become', 'ansible_become_user', 'ssh_host', 'ssh_port', 'ssh_user', 'ssh_key'])
      expect(names).toContain(n);
  });
});

describe('inventory queries', async () => {
  const { inventory } = await loadInventory([join(FIXTURES, 'ini-basic', 'hosts.ini')]);
  it('lists hosts in definition order and groups', () => {
    expect(inventory.hostNames()).toEqual(['gateway', 'pi1', 'pi2', 'pi3', 'nuc1']);
    expect(inventory.groupNames()).toEqual(['all', 'ungrouped', 'pis', 'x86', 'rack']);
  });
  it('group_names and groups like Ansible', () => {
    expect(inventory.groupsOf('pi1')).toEqual(['pis', 'rack', 'x86']);
    expect(inventory.groupsOf('gateway')).toEqual(['ungrouped']);
    expect(inventory.groupsMap()).toEqual({
      all: ['gateway', 'pi1', 'pi2', 'pi3', 'nuc1'], ungrouped: ['gateway'], pis: ['pi1', 'pi2', 'pi3'], x86: ['nuc1', 'pi1'], rack: ['pi1', 'pi2', 'pi3', 'nuc1'],
    });
  });
  it('knows where a variable was set', () => {
    const file = join(FIXTURES, 'ini-basic', 'hosts.ini');
    expect(inventory.varRef('pi3', 'rack')).toMatchObject({ file, line: 7, col: 32 });
    expect(inventory.varRef('pi3', 'domain')).toMatchObject({ file, line: 19, col: 1 });
    expect(inventory.varRef('pi2', 'ansible_port')).toMatchObject({ file, line: 6, col: 1 });
    expect(inventory.varRef('pi3', 'nothing')).toBeUndefined();
  });
  it('localhost is implicit when not in the inventory', () => {
    expect(inventory.selectHosts('localhost')).toEqual(['localhost']);
    expect(inventory.selectHosts('all')).not.toContain('localhost');
    expect(inventory.hostVars('localhost')).toMatchObject({ ansible_connection: 'local' });
    expect(connectionSettings(inventory.hostVars('localhost')).connection).toBe('local');
  });
  it('YAML variables keep their positions', async () => {
    const { inventory: y } = await loadInventory([join(FIXTURES, 'yaml-basic', 'inventory.yml')]);
    expect(y.varRef('pi3', 'labels')).toMatchObject({ line: 14, col: 39 });
    expect(y.varRef('pi1', 'arch')).toMatchObject({ line: 16, col: 9 });
  });
});

describe('rack inventory --limit', () => {
  it('keeps only the selected hosts in --list and --graph', async () => {
    const { rack } = await import('./helpers.js');
    const inv = join(FIXTURES, 'ini-basic', 'hosts.ini');
    const list = JSON.parse((await rack(['-i', inv, '--list', '--limit', 'pis:!pi2'])).stdout);
    expect(Object.keys(list._meta.hostvars).sort()).toEqual(['pi1', 'pi3']);
    expect(list.pis.hosts).toEqual(['pi1', 'pi3']);
    expect(list.x86.hosts).toEqual(['pi1']);
    expect(list.ungrouped).toBeUndefined();
    const graph = (await rack(['-i', inv, '--graph', 'x86', '--limit', 'nuc1'])).stdout;
    expect(graph).toBe('@x86:\n  |--nuc1\n');
  });
});
