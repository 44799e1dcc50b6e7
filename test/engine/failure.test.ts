// Failures on the virtual rack, as the plain renderer shows them: the host, the task, the
// task's file:line:col and the tail of stderr.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, useLab, type LabHandle } from '../helpers/lab.js';
import { cli } from './support.js';

const skip = requireLab();
const PLAYBOOK = resolve('test/fixtures/engine/failure/site.yml');

/** Where a task named `name` starts in the playbook: `file:line:col` of its first key. */
function taskRef(name: string): string {
  const lines = readFileSync(PLAYBOOK, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`- name: ${name}`));
  return `${PLAYBOOK}:${i + 1}:${lines[i].indexOf('name:') + 1}`;
}

describe.skipIf(skip)('failures name the host, the task, where it is and the end of stderr', () => {
  let lab: LabHandle;
  let out: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    lab = await useLab({ nodes: 3 });
    out = await cli(['run', PLAYBOOK, '-i', lab.inventoryPath]); // CI=1: the plain renderer, on stderr
  });
  afterAll(async () => {
    await lab?.release();
  });

  /** The block the renderer printed for a host's failed task: its line and the details up to the next event. */
  function failureBlock(host: string, task: string): string {
    const lines = out.stderr.split('\n');
    const i = lines.findIndex((l) => l.startsWith(`${host} | FAILED | ${task} (`));
    expect(i, `no FAILED line for ${host} / ${task} in:\n${out.stderr}`).toBeGreaterThanOrEqual(0);
    let j = i + 1;
    while (j < lines.length && lines[j] !== '' && !/^\S+ \| /.test(lines[j]) && !lines[j].startsWith('PLAY RECAP')) j++;
    return lines.slice(i, j).join('\n');
  }

  it('exits 2, and the host that did not fail runs to the end', () => {
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^node3 \| ok \| the end/m);
    expect(out.stderr).toMatch(/^node1 : .*failed=1/m);
    expect(out.stderr).toMatch(/^node2 : .*failed=1/m);
    expect(out.stderr).not.toMatch(/^\s+at .*\.(ts|js):\d+/m); // no stack traces
  });

  it('a module failure: host, task, file:line:col, exit code and the last lines of stderr', () => {
    const block = failureBlock('node1', 'a command that fails');
    expect(block).toContain(`  task: ${taskRef('a command that fails')}`);
    expect(block).toMatch(/^ {2}rc: 3$/m);
    expect(block).toMatch(/^ {4}rack-test: the disk is on fire$/m);
    expect(block).toMatch(/^ {4}progress line 12$/m);
    expect(block.slice(block.indexOf('  stderr:'))).not.toContain('early noise'); // only the tail of stderr
  });

  it('a template error: host, task, file:line:col and the template position', () => {
    const block = failureBlock('node2', 'a broken template');
    expect(block).toContain(`  task: ${taskRef('a broken template')}`);
    expect(block).toMatch(/msg: .*upstream_host.*broken\.conf\.hbs:2:/);
  });
});
