import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localInventory, projectsPerTest, runProject, statusOf } from './helpers.js';

const make = projectsPerTest();
const go = runProject;

describe('executor semantics on local hosts', () => {
  it('runs handlers once, at the end, in definition order, and listen topics', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2']),
      'play.yml': `
- hosts: rack
  gather_facts: false
  vars: { out: "{{ playbook_dir }}/log-{{ inventory_hostname }}" }
  tasks:
    - name: first change
      shell: echo a >> "{{ out }}"
      notify: [second handler, first handler]
    - name: second change
      shell: echo b >> "{{ out }}"
      notify: first handler
    - name: no change
      command: "true"
      changed_when: false
      notify: unused
  handlers:
    - name: first handler
      shell: echo H1 >> "{{ out }}"
    - name: second handler
      shell: echo H2 >> "{{ out }}"
    - name: topic handler
      shell: echo T >> "{{ out }}"
      listen: second handler
    - name: unused
      shell: echo U >> "{{ out }}"
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    for (const h of ['h1', 'h2']) expect(readFileSync(p.path(`log-${h}`), 'utf8')).toBe('a\nb\nH1\nH2\nT\n');
  });

  it('block, rescue and always: a rescued failure does not fail the host', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: boom
          command: "false"
        - name: never reached
          debug: msg=no
      rescue:
        - name: recover
          debug: msg=rescued
      always:
        - name: cleanup
          debug: msg=always
    - name: after
      debug: msg=after
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(statusOf(r.tasks, 'h1', 'boom')).toBe('failed');
    expect(statusOf(r.tasks, 'h1', 'never reached')).toBeUndefined();
    expect(statusOf(r.tasks, 'h1', 'recover')).toBe('ok');
    expect(statusOf(r.tasks, 'h1', 'cleanup')).toBe('ok');
    expect(statusOf(r.tasks, 'h1', 'after')).toBe('ok');
    expect(r.recap.hosts.h1.rescued).toBe(1);
    expect(r.recap.hosts.h1.failed).toBe(0);
  });

  it('loops register per-item results; when, changed_when, failed_when and ignore_errors', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: loop
      command: "echo {{ thing }}"
      loop: [a, b, c]
      loop_control: { loop_var: thing }
      register: looped
      changed_when: false
    - name: check loop
      assert:
        that:
          - looped.results | length == 3
          - looped.results[1].stdout == 'b'
          - looped is not changed
    - name: skipped by when
      debug: msg=x
      when: looped.results[0].stdout == 'z'
    - name: fails but ignored
      command: "false"
      ignore_errors: true
    - name: not failed by rule
      command: "sh -c 'exit 3'"
      failed_when: false
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(statusOf(r.tasks, 'h1', 'loop')).toBe('ok');
    expect(statusOf(r.tasks, 'h1', 'check loop')).toBe('ok');
    expect(statusOf(r.tasks, 'h1', 'skipped by when')).toBe('skipped');
    expect(statusOf(r.tasks, 'h1', 'fails but ignored')).toBe('ignored');
    expect(statusOf(r.tasks, 'h1', 'not failed by rule')).toBe('changed');
  });

  it('until retries a task until its condition holds', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: count
      shell: 'n=$(cat "{{ playbook_dir }}/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "{{ playbook_dir }}/n"; echo $n'
      register: c
      until: c.stdout == '3'
      retries: 5
      delay: 0
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(p.path('n'), 'utf8').trim()).toBe('3');
  });

  it('linear: every host finishes a task before any host starts the next', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2', 'h3']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: t1
      shell: '{{#if (eq inventory_hostname "h1")}}sleep 0.5{{else}}true{{/if}}'
    - name: t2
      command: "true"
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    const order = r.events.filter((e) => e.event === 'task_start' || e.event === 'task').map((e) => `${e.event}:${(e as { task: string }).task}`);
    const lastT1 = order.lastIndexOf('task:t1');
    const firstT2 = order.indexOf('task_start:t2');
    expect(firstT2).toBeGreaterThan(lastT1);
  });

  it('free: a slow host does not hold the others back', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2']),
      'play.yml': `
- hosts: all
  strategy: free
  gather_facts: false
  tasks:
    - name: t1
      shell: '{{#if (eq inventory_hostname "h1")}}sleep 3{{else}}true{{/if}}'
    - name: t2
      command: "true"
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    const idx = (host: string, task: string) => r.events.findIndex((e) => e.event === 'task' && e.host === host && e.task === task);
    expect(idx('h2', 't2')).toBeLessThan(idx('h1', 't1'));
  });

  it('serial runs batches one after another', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2', 'h3']),
      'play.yml': `
- hosts: all
  serial: 1
  gather_facts: false
  tasks:
    - { name: a, command: "true" }
    - { name: b, command: "true" }
`,
    });
    const r = await go(p);
    expect(r.tasks.map((t) => `${t.host}:${t.task}`)).toEqual(['h1:a', 'h1:b', 'h2:a', 'h2:b', 'h3:a', 'h3:b']);
  });

  it('run_once runs on one host and shares its registered result', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: once
      shell: 'echo x >> "{{ playbook_dir }}/once"; echo {{ inventory_hostname }}'
      run_once: true
      register: one
    - name: shared
      assert: { that: ["one.stdout == 'h1'"] }
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(p.path('once'), 'utf8')).toBe('x\n');
    expect(statusOf(r.tasks, 'h2', 'shared')).toBe('ok');
  });

  it('tags, skip-tags, always and never', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - { name: a, debug: { msg: a }, tags: [web] }
    - { name: b, debug: { msg: b }, tags: [db] }
    - { name: c, debug: { msg: c }, tags: [always] }
    - { name: d, debug: { msg: d }, tags: [never, debug] }
    - { name: e, debug: { msg: e } }
`,
    });
    const names = async (more: Record<string, unknown>) => (await go(p, more)).tasks.map((t) => t.task);
    expect(await names({})).toEqual(['a', 'b', 'c', 'e']);
    expect(await names({ tags: ['web'] })).toEqual(['a', 'c']);
    expect(await names({ tags: ['debug'] })).toEqual(['c', 'd']);
    expect(await names({ skipTags: ['web', 'always'] })).toEqual(['b', 'e']);
  });

  it('variable precedence: extra vars beat set_fact, set_fact beats play vars, play vars beat inventory', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1'], '[rack:vars]\ninv_only=inv\nlevel=inventory\n'),
      'play.yml': `
- hosts: all
  gather_facts: false
  vars: { level: play, play_only: play }
  tasks:
    - assert: { that: ["level == 'play'", "inv_only == 'inv'"] }
    - set_fact: { level: fact }
    - assert: { that: ["level == 'fact'"] }
    - { name: extra, assert: { that: ["forced == 'yes'", "play_only == 'extra'"] } }
`,
    });
    const r = await go(p, { extraVars: { forced: 'yes', play_only: 'extra' } });
    expect(r.exitCode).toBe(0);
  });

  it('exit code 2 on a failure; the failed host stops, others go on', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - { name: maybe fail, command: '{{#if (eq inventory_hostname "h1")}}false{{else}}true{{/if}}' }
    - { name: next, command: "true" }
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(2);
    expect(statusOf(r.tasks, 'h1', 'next')).toBeUndefined();
    expect(statusOf(r.tasks, 'h2', 'next')).toBe('changed');
    const failed = r.tasks.find((t) => t.status === 'failed')!;
    expect(failed.ref?.file).toBe(p.path('play.yml'));
    expect(failed.ref?.line).toBe(5);
  });

  it('--check runs no commands and writes no files', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - { name: cmd, shell: 'touch "{{ playbook_dir }}/touched"' }
    - { name: file, copy: { content: "x\\n", dest: "{{ playbook_dir }}/copied" } }
`,
    });
    const r = await go(p, { check: true });
    expect(r.exitCode).toBe(0);
    expect(statusOf(r.tasks, 'h1', 'cmd')).toBe('skipped');
    expect(statusOf(r.tasks, 'h1', 'file')).toBe('changed');
    expect(existsSync(p.path('touched'))).toBe(false);
    expect(existsSync(p.path('copied'))).toBe(false);
  });

  it('--resume re-runs from the failed task on the failed host, with its pending handlers', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: change
      shell: 'echo c >> "{{ playbook_dir }}/log-{{ inventory_hostname }}"'
      notify: note
    - name: gate
      shell: 'test -e "{{ playbook_dir }}/ok-{{ inventory_hostname }}" || test {{ inventory_hostname }} = h2'
    - name: last
      shell: 'echo l >> "{{ playbook_dir }}/log-{{ inventory_hostname }}"'
  handlers:
    - name: note
      shell: 'echo h >> "{{ playbook_dir }}/log-{{ inventory_hostname }}"'
`,
    });
    const first = await go(p);
    expect(first.exitCode).toBe(2);
    expect(readFileSync(p.path('log-h1'), 'utf8')).toBe('c\n');
    expect(readFileSync(p.path('log-h2'), 'utf8')).toBe('c\nl\nh\n');
    writeFileSync(p.path('ok-h1'), '');
    const again = await go(p, { resume: true });
    expect(again.exitCode).toBe(0);
    expect(again.tasks.map((t) => `${t.host}:${t.task}`)).toEqual(['h1:gate', 'h1:last', 'h1:note']);
    expect(readFileSync(p.path('log-h1'), 'utf8')).toBe('c\nl\nh\n');
  });

  it('an unreachable host gives exit 4 and the others finish', async () => {
    const p = make({
      'hosts.ini': 'h1 ansible_connection=local\ngone ansible_host=127.0.0.1 ansible_port=1\n',
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - { name: t, command: "true" }
`,
    });
    const r = await go(p);
    expect(r.exitCode).toBe(4);
    expect(statusOf(r.tasks, 'gone', 't')).toBe('unreachable');
    expect(statusOf(r.tasks, 'h1', 't')).toBe('changed');
    expect(r.recap.hosts.gone.unreachable).toBe(1);
  });

  it('an error outside any one task fails that host with a message, not the run', async () => {
    const p = make({
      'hosts.ini': localInventory(['h1', 'h2']),
      'play.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: "{{#if (eq inventory_hostname 'h1')}}{{ no_such_var }}{{else}}ok{{/if}}.yml"
    - { name: after, command: "true" }
`,
      'ok.yml': '- { name: included, debug: { msg: fine } }\n',
    });
    const r = await go(p);
    expect(r.exitCode).toBe(2);
    const failed = r.tasks.find((t) => t.host === 'h1' && t.status === 'failed')!;
    expect(failed.msg).toMatch(/no_such_var/);
    expect(statusOf(r.tasks, 'h2', 'included')).toBe('ok');
    expect(statusOf(r.tasks, 'h2', 'after')).toBe('changed');
  });
});
