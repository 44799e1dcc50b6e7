import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localInventory, projectsPerTest, runProject, statusOf } from './helpers.js';

const make = projectsPerTest();
const go = runProject;
const names = (r: Awaited<ReturnType<typeof go>>) => r.tasks.map((t) => `${t.host}:${t.task}:${t.status}`);

describe('control flow across plays, blocks and includes', () => {
  it('meta: end_host honours when, and lasts one play only', async () => {
    const p = make({
      'hosts.ini': localInventory(['a', 'b']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - meta: end_host
      when: inventory_hostname == 'a'
    - { name: one, debug: { msg: x } }
- hosts: all
  gather_facts: false
  tasks:
    - { name: two, debug: { msg: y } }
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(names(r)).toEqual(['b:one:ok', 'a:two:ok', 'b:two:ok']);
  });

  it("a block's when skips each task inside, reported, and hosts stay in step", async () => {
    const p = make({
      'hosts.ini': localInventory(['a', 'b']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - { name: in1, debug: { msg: x } }
        - { name: in2, debug: { msg: x } }
      when: inventory_hostname == 'b'
    - { name: after, debug: { msg: y } }
`,
    });
    const r = await go(p);
    expect(statusOf(r.tasks, 'a', 'in1')).toBe('skipped');
    expect(statusOf(r.tasks, 'b', 'in2')).toBe('ok');
    const order = r.tasks.map((t) => t.task);
    expect(order.indexOf('after')).toBeGreaterThan(order.lastIndexOf('in2'));
  });

  it('include_tasks loops over items', async () => {
    const p = make({
      'hosts.ini': localInventory(['a']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: one.yml
      loop: [x, y]
`,
      'one.yml': `- { name: "item {{ item }}", shell: 'echo {{ item }} >> "{{ playbook_dir }}/log"' }\n`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(p.path('log'), 'utf8')).toBe('x\ny\n');
  });

  it('run_once set_fact gives the fact to every host of the batch', async () => {
    const p = make({
      'hosts.ini': localInventory(['a', 'b']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - { set_fact: { token: "from-{{ inventory_hostname }}" }, run_once: true }
    - { name: check, assert: { that: ["token == 'from-a'"] } }
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(statusOf(r.tasks, 'b', 'check')).toBe('ok');
  });

  it('an expression error in when fails the task, and rescue catches it', async () => {
    const p = make({
      'hosts.ini': localInventory(['a']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - { name: bad, debug: { msg: x }, when: no_such_var == 1 }
      rescue:
        - { name: caught, debug: { msg: rescued } }
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(r.tasks.find((t) => t.task === 'bad')?.msg).toMatch(/no_such_var/);
    expect(statusOf(r.tasks, 'a', 'caught')).toBe('ok');
  });

  it('any_errors_fatal stops the whole playbook', async () => {
    const p = make({
      'hosts.ini': localInventory(['a', 'b']),
      'play.yml': `
- hosts: all
  any_errors_fatal: true
  gather_facts: false
  tasks:
    - { name: maybe, command: '{{#if (eq inventory_hostname "a")}}false{{else}}true{{/if}}' }
- hosts: all
  gather_facts: false
  tasks:
    - { name: later, debug: { msg: x } }
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(2);
    expect(r.tasks.some((t) => t.task === 'later')).toBe(false);
  });

  it('--resume continues a host from the play it failed in, and not the hosts that finished', async () => {
    const p = make({
      'hosts.ini': localInventory(['a', 'b']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - { name: gate, shell: 'test -e "{{ playbook_dir }}/ok" || test {{ inventory_hostname }} = b' }
- hosts: all
  gather_facts: false
  tasks:
    - { name: second, debug: { msg: x } }
`,
    });
    const first = await go(p);
    expect(first.exitCode).toBe(2);
    expect(names(first)).toEqual(['a:gate:failed', 'b:gate:changed', 'b:second:ok']);
    writeFileSync(p.path('ok'), '');
    const again = await go(p, { resume: true });
    expect(again.exitCode).toBe(0);
    expect(names(again)).toEqual(['a:gate:changed', 'a:second:ok']);
  });
});
