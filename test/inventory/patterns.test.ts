import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RackError } from '../../src/errors.js';
import { loadInventory, type Inventory } from '../../src/inventory/index.js';
import { ansibleBatch, ansibleSandbox, FIXTURES, hasAnsible, noAnsibleReason, type BatchResult } from './helpers.js';

const SOURCE = join(FIXTURES, 'patterns', 'hosts.ini');

// names, groups, all, globs, unions (: and ,), intersections, exclusions, regexes, subscripts
const PATTERNS = [
  'all', '*', 'solo1', 'web', 'db', 'lb', 'app', 'prod', 'stage', 'arm', 'ungrouped',
  'web:db', 'web,db', 'db,web', 'web:&arm', 'prod:!web', '!db', '&arm', 'prod:&arm:!db', 'app:!lb:&arm',
  'web*', '*.example.com', 'db?', 'db[ab]', 'db[!a]', 'st*:&arm', 'a*', 'u*', '*:!prod',
  '~web[13]', '~^s', '~db[a-b]$', '~(web|db)', '~.*',
  'web[0]', 'web[1]', 'web[-1]', 'web[0:2]', 'web[1:]', 'prod[2:4]', 'stage[0:0]', 'prod[1-2]', 'arm[1:2]',
  'web[1]:db[0]', 'stage01:stage03', 'nosuch', 'nosuch:web', 'localhost', 'web1.example.com', 'lb1,db',
  'db:!dbb', 'prod:web', 'dba:dbb:dbc', 'stage0[12]', 'web[10]', '~(',
];

describe.skipIf(!hasAnsible)(`host patterns select what Ansible selects (${noAnsibleReason} otherwise)`, () => {
  let inv: Inventory;
  let ansible: BatchResult['patterns'];
  const sandbox = ansibleSandbox();
  beforeAll(async () => {
    const loaded = await loadInventory([SOURCE]);
    expect(loaded.diagnostics).toEqual([]);
    inv = loaded.inventory;
    ansible = (await ansibleBatch({ patterns: { sources: [SOURCE], patterns: PATTERNS } }, sandbox)).patterns;
  }, 120_000);
  afterAll(() => sandbox.cleanup());

  it('covers at least 40 patterns', () => expect(PATTERNS.length).toBeGreaterThanOrEqual(40));

  for (const p of PATTERNS)
    it(p, () => {
      const expected = ansible[p];
      if (Array.isArray(expected)) expect(inv.selectHosts(p)).toEqual(expected);
      else {
        const ref = { file: 'play.yml', line: 3, col: 10 };
        let err: unknown;
        try {
          inv.selectHosts(p, ref);
        } catch (e) {
          err = e;
        }
        expect(err, `Ansible refuses '${p}': ${expected.error}`).toBeInstanceOf(RackError);
        const d = (err as RackError).diagnostics[0];
        expect(d).toMatchObject({ code: 'E_PATTERN', ref });
        expect(d.hint).toBeTruthy();
      }
    });
});

describe('pattern diagnostics for rack check', () => {
  it('warns about names that match nothing, with a suggestion', async () => {
    const { inventory } = await loadInventory([SOURCE]);
    const ref = { file: 'site.yml', line: 2, col: 10 };
    expect(inventory.checkPattern('web:prdo', ref)).toEqual([
      { code: 'W_PATTERN_UNMATCHED', message: "'prdo' matches no host or group", ref, hint: "did you mean 'prod'?", severity: 'warning' },
    ]);
    expect(inventory.checkPattern('web:&arm:!db[0]', ref)).toEqual([]);
    expect(inventory.checkPattern('~(', ref).map((d) => d.code)).toEqual(['E_PATTERN']);
  });
});
