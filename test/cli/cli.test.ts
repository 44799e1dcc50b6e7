import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { localInventory, projectsPerTest } from '../executor/helpers.js';

async function rack(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(argv, env);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const make = projectsPerTest();

const PLAY = `
- name: demo
  hosts: rack
  gather_facts: false
  tasks:
    - name: write a file
      copy: { content: "hello\\n", dest: "{{ playbook_dir }}/out-{{ inventory_hostname }}" }
      tags: [files]
    - name: say
      debug: { msg: "hi" }
`;

describe('rack CLI', () => {
  it('prints its version and help; an unknown command is a user error with a hint', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect((await rack(['--version'])).out).toBe(`rack ${pkg.version}\n`);
    expect((await rack(['--help'])).out).toMatch(/rack run PLAYBOOK/);
    const bad = await rack(['rnu']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown command 'rnu'[\s\S]*did you mean 'run'/);
  });

  it('rack run: invalid playbook exits 1 with file:line:col and touches nothing', async () => {
    const p = make({ 'hosts.ini': localInventory(['h1']), 'play.yml': PLAY.replace('dest:', 'dets:') });
    const r = await rack(['run', p.path('play.yml'), '-i', p.path('hosts.ini')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${p.path('play.yml')}:7:`);
    expect(r.err).toMatch(/did you mean 'dest'/);
  });

  it('rack run --json: one JSON event per line, task and recap shapes', async () => {
    const p = make({ 'hosts.ini': localInventory(['h1', 'h2']), 'play.yml': PLAY });
    const r = await rack(['run', p.path('play.yml'), '-i', p.path('hosts.ini'), '--json']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const task = lines.find((l) => l.event === 'task' && l.host === 'h1' && l.task === 'write a file');
    expect(task).toMatchObject({ status: 'changed', line: 6 });
    expect(typeof task.ms).toBe('number');
    const recap = lines.at(-1);
    expect(recap.event).toBe('recap');
    expect(recap.hosts.h2).toEqual({ ok: 1, changed: 1, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 });
    expect(r.err).toBe('');
  });

  it('--check --detailed-exitcode: 3 while changes are pending, 0 after the run', async () => {
    const p = make({ 'hosts.ini': localInventory(['h1']), 'play.yml': PLAY });
    const args = ['run', p.path('play.yml'), '-i', p.path('hosts.ini')];
    expect((await rack([...args, '--check', '--detailed-exitcode'])).code).toBe(3);
    expect((await rack(args)).code).toBe(0);
    expect((await rack([...args, '--check', '--detailed-exitcode'])).code).toBe(0);
  });

  it('--diff shows a unified diff of a changed file', async () => {
    const p = make({ 'hosts.ini': localInventory(['h1']), 'play.yml': PLAY, 'out-h1': 'old\n' });
    const r = await rack(['run', p.path('play.yml'), '-i', p.path('hosts.ini'), '--diff', '--check']);
    expect(r.err).toMatch(/-old\n\+hello/);
  });

  it('--list-hosts, --list-tasks and --list-tags print without connecting', async () => {
    const p = make({ 'hosts.ini': 'h1 ansible_host=192.0.2.1\n[rack]\nh1\nh2 ansible_host=192.0.2.2\n', 'play.yml': PLAY });
    const args = ['run', p.path('play.yml'), '-i', p.path('hosts.ini')];
    const hosts = await rack([...args, '--list-hosts', '--limit', 'h2']);
    expect(hosts.code).toBe(0);
    expect(hosts.out).toMatch(/HOSTS \(1\):\n\s+h2/);
    expect((await rack([...args, '--list-tasks'])).out).toMatch(/write a file[\s\S]*say/);
    expect((await rack([...args, '--list-tags'])).out).toMatch(/files/);
  });
});
