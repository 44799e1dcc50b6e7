import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleBatch, ansibleSandbox, cases, FIXTURES, hasAnsible, noAnsibleReason, pool, rack, run, sourceArgs, type Case } from './helpers.js';

const names = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'broken')
  .map((d) => d.name)
  .sort();
const all = cases(names);

interface Job {
  c: Case;
  kind: 'list' | 'graph' | 'host';
  arg?: string;
}
const jobs: Job[] = all.flatMap((c) => [
  { c, kind: 'list' as const },
  ...(c.graph ?? []).map((g) => ({ c, kind: 'graph' as const, arg: g })),
  ...(c.host ?? []).map((h) => ({ c, kind: 'host' as const, arg: h })),
]);
const argsOf = (j: Job): string[] => [
  ...sourceArgs(j.c),
  ...(j.kind === 'list' ? ['--list'] : j.kind === 'graph' ? ['--graph', j.arg!] : ['--host', j.arg!]),
];
const key = (j: Job): string => `${j.c.name} ${j.kind}${j.arg ? ' ' + j.arg : ''}`;

describe.skipIf(!hasAnsible)(`rack inventory equals ansible-inventory (${noAnsibleReason} otherwise)`, () => {
  const ansible = new Map<string, { code: number; stdout: string; stderr: string }>();
  const sandbox = ansibleSandbox();
  beforeAll(async () => {
    // --list through the ansible-inventory command itself, --graph and --host batched in one process
    const lists = jobs.filter((j) => j.kind === 'list');
    const others = jobs.filter((j) => j.kind !== 'list');
    const [listResults, batch] = await Promise.all([
      pool(lists.map((j) => () => run('ansible-inventory', argsOf(j), sandbox)), 3),
      ansibleBatch({ cli: others.map(argsOf) }, sandbox),
    ]);
    lists.forEach((j, i) => ansible.set(key(j), listResults[i]));
    others.forEach((j, i) => ansible.set(key(j), batch.cli[i]));
  }, 300_000);
  afterAll(() => sandbox.cleanup());

  it('has at least 13 fixtures, INI and YAML', () => {
    expect(all.length).toBeGreaterThanOrEqual(13);
  });

  for (const j of jobs)
    it(key(j), async () => {
      const a = ansible.get(key(j))!;
      expect(a.code, `ansible-inventory failed: ${a.stderr}`).toBe(0);
      const r = await rack(argsOf(j));
      expect(r.stderr.split('\n').filter((l) => / error /.test(l))).toEqual([]);
      expect(r.code).toBe(0);
      if (j.kind === 'graph') expect(r.stdout.trimEnd()).toBe(a.stdout.trimEnd());
      else expect(JSON.parse(r.stdout)).toStrictEqual(JSON.parse(a.stdout));
    });
});
