import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { FIXTURES, rack } from './helpers.js';

const dir = join(FIXTURES, 'broken');

/** file, then every expected error as [code, line, col]. */
const BROKEN: Array<[string, Array<[string, number, number]>]> = [
  ['unknown-section-type.ini', [['E_INVENTORY_SYNTAX', 3, 6]]],
  ['section-with-space.ini', [['E_INVENTORY_SYNTAX', 3, 1]]],
  ['host-var-no-equals.ini', [['E_INVENTORY_SYNTAX', 2, 28]]],
  ['unclosed-quote.ini', [['E_INVENTORY_SYNTAX', 2, 1]]],
  ['vars-no-equals.ini', [['E_INVENTORY_SYNTAX', 2, 1]]],
  ['vars-undefined-group.ini', [['E_INVENTORY_SYNTAX', 3, 2]]],
  ['children-undefined.ini', [['E_INVENTORY_SYNTAX', 5, 1]]],
  ['children-bad-name.ini', [['E_INVENTORY_SYNTAX', 4, 1]]],
  ['cycle.ini', [['E_INVENTORY_CYCLE', 4, 1]]],
  ['range-unequal-width.ini', [['E_INVENTORY_RANGE', 2, 1]]],
  ['range-no-end.ini', [['E_INVENTORY_RANGE', 2, 3]]],
  ['range-letters-backwards.ini', [['E_INVENTORY_RANGE', 2, 1]]],
  ['host-trailing-colon.ini', [['E_INVENTORY_SYNTAX', 2, 1]]],
  ['multi-errors.ini', [['E_INVENTORY_SYNTAX', 3, 5], ['E_INVENTORY_SYNTAX', 6, 1], ['E_INVENTORY_RANGE', 8, 1]]],
  ['unknown-key.yml', [['E_INVENTORY_SHAPE', 4, 7]]],
  ['group-not-mapping.yml', [['E_INVENTORY_SHAPE', 4, 7]]],
  ['hosts-as-list.yml', [['E_INVENTORY_SHAPE', 3, 5]]],
  ['host-vars-scalar.yml', [['E_INVENTORY_SHAPE', 3, 11]]],
  ['yaml-range.yml', [['E_INVENTORY_RANGE', 4, 5]]],
  ['yaml-cycle.yml', [['E_INVENTORY_CYCLE', 5, 9]]],
  ['plugin.yml', [['E_INVENTORY_SHAPE', 1, 1]]],
  ['empty.yml', [['E_INVENTORY_SHAPE', 1, 1]]],
  ['bad-group-vars/hosts.ini', [['E_INVENTORY_SHAPE', 1, 1]]],
];

describe('broken inventories report every problem at its place', () => {
  it('has at least 14 cases', () => expect(BROKEN.length).toBeGreaterThanOrEqual(14));

  for (const [file, expected] of BROKEN)
    it(file, async () => {
      const { diagnostics } = await loadInventory([join(dir, file)]);
      const errors = diagnostics.filter((d) => (d.severity ?? 'error') === 'error');
      expect(errors.map((d) => [d.code, d.ref?.line, d.ref?.col])).toEqual(expected);
      for (const d of errors) {
        expect(d.hint, `${d.code} has a hint`).toBeTruthy();
        expect(d.ref?.file.startsWith(dir)).toBe(true);
      }
    });

  it('suggests the right section key', async () => {
    const { diagnostics } = await loadInventory([join(dir, 'unknown-key.yml')]);
    expect(diagnostics[0].hint).toBe("did you mean 'hosts'?");
  });

  it('a missing -i path is E_FILE_NOT_FOUND, other sources still load', async () => {
    const { inventory, diagnostics } = await loadInventory([join(dir, 'nope.ini'), join(FIXTURES, 'ini-basic', 'hosts.ini')]);
    expect(diagnostics.map((d) => d.code)).toEqual(['E_FILE_NOT_FOUND']);
    expect(inventory.hostNames()).toContain('pi1');
  });

  it('YAML syntax errors come through with their position', async () => {
    const { diagnostics } = await loadInventory([join(dir, 'bad-yaml.yml')]);
    expect(diagnostics.map((d) => d.code)).toEqual(['E_YAML_SYNTAX']);
    expect(diagnostics[0].ref?.file).toBe(join(dir, 'bad-yaml.yml'));
  });

  it('the CLI prints file:line:col, the line with a caret, the hint, and exits 1', async () => {
    const r = await rack(['-i', join(dir, 'host-var-no-equals.ini'), '--list']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${join(dir, 'host-var-no-equals.ini')}:2:28: error E_INVENTORY_SYNTAX`);
    expect(r.stderr).toContain(' 2 | web1 ansible_host=10.0.0.1 novalue\n   |                            ^^^^^^^');
    expect(r.stderr).toContain('hint: host variables are written name=value');
  });

  it('the CLI refuses bad usage and unknown hosts or groups', async () => {
    const inv = join(FIXTURES, 'ini-basic', 'hosts.ini');
    expect((await rack(['--list'])).code).toBe(1);
    expect((await rack(['-i', inv])).code).toBe(1);
    expect((await rack(['-i', inv, '--list', '--graph'])).stderr).toContain('E_USAGE');
    const host = await rack(['-i', inv, '--host', 'pi9']);
    expect([host.code, host.stderr]).toEqual([1, expect.stringContaining('E_UNKNOWN_HOST')]);
    const group = await rack(['-i', inv, '--graph', 'rakc']);
    expect(group.stderr).toContain("did you mean 'rack'?");
  });
});
