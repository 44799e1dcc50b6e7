import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPlaybookFile } from '../../src/playbook/check.js';
import { loadPlaybook } from '../../src/playbook/loader.js';
import { listTags, listTasks } from '../../src/playbook/listing.js';
import type { BlockTask, IncludeRoleTask, IncludeTasksTask, ModuleTask, Task } from '../../src/playbook/types.js';

const full = fileURLToPath(new URL('../fixtures/projects/full/site.yml', import.meta.url));
const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rack-pb-'));
  temp.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return join(dir, 'site.yml');
}

describe('loadPlaybook: the full fixture', async () => {
  const { result, diagnostics } = await checkPlaybookFile(full, { env: {} });
  const pb = result.playbook!;
  const play = pb.plays[1];

  it('is clean', () => expect(diagnostics).toEqual([]));
  it('imports playbooks first', () => {
    expect(pb.plays).toHaveLength(2);
    expect(pb.plays[0].file.endsWith('base.yml')).toBe(true);
  });
  it('maps every play keyword', () => {
    expect(play).toMatchObject({
      name: 'web servers', hosts: 'web:&prod', vars: { port: 80 }, become: true, becomeUser: 'root', gatherFacts: false,
      serial: [1, '30%'], strategy: 'free', maxFailPercentage: 20, anyErrorsFatal: true, tags: ['web'], environment: { LANG: 'C' },
    });
    expect(play.varsFiles[0].path.endsWith('vars.yml')).toBe(true);
    expect(play.preTasks).toHaveLength(1);
  });
  it('maps every task keyword', () => {
    const t = play.tasks[0] as ModuleTask;
    expect(t).toMatchObject({
      kind: 'module', module: 'copy', name: 'copy a file', tags: ['a', 'b'], notify: ['restart web'], register: 'out',
      loop: [1, 2], loopControl: { loopVar: 'n', label: '{{ n }}' }, changedWhen: false, ignoreErrors: true, delegateTo: 'localhost',
      runOnce: true, retries: 5, delay: 2, noLog: true, checkMode: false, diff: false, become: true, environment: { A: 'b' },
    });
    expect(t.when.map((c) => c.text)).toEqual(['port == 80']);
    expect((t.failedWhen as { text: string }[]).map((c) => c.text)).toEqual(['out.rc != 0', 'out.rc != 1']);
    expect(t.until?.text).toBe('out is succeeded');
  });
  it('parses k=v strings with quotes and Ansible conversions', () => {
    const t = play.tasks[0] as ModuleTask;
    expect(t.args).toEqual({ src: 'motd', dest: '/etc/motd file', mode: '0644', backup: true });
  });
  it('splits free-form commands from their known options; with_items is loop; args merge', () => {
    const sh = play.tasks[1] as ModuleTask;
    expect(sh.args).toEqual({ cmd: 'echo hi > /tmp/x', chdir: '/tmp' });
    expect(sh.loop).toBe('{{ things }}');
    const cmd = play.tasks[2] as ModuleTask;
    expect(cmd.module).toBe('command');
    expect(cmd.args).toEqual({ cmd: 'ls', chdir: '/srv' });
  });
  it('inlines import_tasks as a block that carries when/tags; keeps include_tasks dynamic', () => {
    const b = play.tasks[3] as BlockTask;
    const imported = b.block[0] as BlockTask;
    expect(imported.kind).toBe('block');
    expect(imported.when[0].text).toBe('x is defined');
    expect(imported.tags).toEqual(['imported']);
    expect((imported.block[0] as ModuleTask).name).toBe('extra');
    expect((b.rescue[0] as ModuleTask).args).toEqual({ msg: 'rescued' });
    expect((b.always[0] as IncludeTasksTask)).toMatchObject({ kind: 'include_tasks', file: 'tasks/extra.yml' });
  });
  it('expands import_role and keeps include_role', () => {
    const ir = play.tasks[4] as BlockTask;
    expect((ir.block[0] as ModuleTask).role?.name).toBe('common');
    expect(play.tasks[5] as IncludeRoleTask).toMatchObject({ kind: 'include_role', roleName: 'web', tasksFrom: 'other', roleVars: { p: 1 } });
  });
  it('orders roles with dependencies first and runs a role with the same params once', () => {
    expect(play.roles.map((u) => u.role.name)).toEqual(['common', 'web']);
    expect(play.roles[1].vars).toEqual({ port: 8080 });
    expect(play.roles[0].tags).toEqual(['w']);
    expect(play.roles[1].role.argumentSpecs?.options.port).toMatchObject({ type: 'int', required: true });
    expect(play.roles[1].role.vars).toEqual({ web_v: 2 });
    expect(play.roles[0].role.defaults).toEqual({ common_x: 1 });
  });
  it('keeps handler listen topics', () => {
    expect(play.handlers[0]).toMatchObject({ name: 'restart', listen: ['restart web'] });
  });
  it('records task positions', () => {
    expect(play.tasks[0].ref).toMatchObject({ line: 22, col: 7 });
    expect((play.tasks[0] as ModuleTask).argsRef).toMatchObject({ line: 23, col: 13 });
  });
  it('lists tasks and tags in ansible-playbook shape', () => {
    const text = listTasks(pb, { tags: ['a'] });
    expect(text).toContain('play #2 (web:&prod): web servers\tTAGS: [web]');
    expect(text).toContain('      copy a file\tTAGS: [a, b, web]');
    expect(text).not.toContain('web : web conf');
    expect(listTasks(pb)).toContain('      web : web conf\tTAGS: [w, web]');
    expect(listTags(pb)).toContain('TASK TAGS: [a, b, imported, w, web]');
  });
  it('include_tasks loads through the TaskLoader at run time', async () => {
    const inc = (play.tasks[3] as BlockTask).always[0] as IncludeTasksTask;
    const tasks = await result.loader.loadTaskFile(inc.file, inc);
    expect((tasks[0] as ModuleTask).name).toBe('extra');
    const role = await result.loader.loadRole('web', play.tasks[5], 'other');
    expect((role.tasks[0] as ModuleTask).args).toEqual({ msg: 'other' });
  });
});

describe('loadPlaybook: details', () => {
  it('reads YAML 1.1 booleans', () => {
    const f = project({ 'site.yml': '- hosts: all\n  gather_facts: no\n  become: yes\n  tasks:\n    - debug: msg=x\n      ignore_errors: on\n' });
    const { playbook, diagnostics } = loadPlaybook(f, { env: {} });
    expect(diagnostics).toEqual([]);
    expect(playbook!.plays[0].gatherFacts).toBe(false);
    expect(playbook!.plays[0].become).toBe(true);
    expect(playbook!.plays[0].tasks[0].ignoreErrors).toBe(true);
  });
  it('when as string, bool or list; notify as string', () => {
    const f = project({ 'site.yml': '- hosts: all\n  tasks:\n    - debug: msg=x\n      when: true\n      notify: h\n    - debug: msg=y\n      when: [a, b]\n' });
    const ts = loadPlaybook(f, { env: {} }).playbook!.plays[0].tasks as Task[];
    expect(ts[0].when.map((c) => c.text)).toEqual(['true']);
    expect(ts[0].notify).toEqual(['h']);
    expect(ts[1].when.map((c) => [c.text, c.ref.line])).toEqual([['a', 7], ['b', 7]]);
  });
  it('finds roles on RACK_ROLES_PATH and deduplicates dependencies with equal params', () => {
    const f = project({
      'site.yml': '- hosts: all\n  roles: [a, b, {role: c, x: 1}, {role: c, x: 2}, {role: c, x: 1}]\n',
      'extra/a/meta/main.yml': 'dependencies: [c]\n',
      'extra/b/meta/main.yaml': 'dependencies: [c]\n',
      'extra/c/tasks/main.yml': '- debug: msg=c\n',
    });
    const { playbook, diagnostics } = loadPlaybook(f, { env: { RACK_ROLES_PATH: join(dirname(f), 'extra') } });
    expect(diagnostics).toEqual([]);
    expect(playbook!.plays[0].roles.map((u) => `${u.role.name}${JSON.stringify(u.vars)}`)).toEqual(['c{}', 'a{}', 'b{}', 'c{"x":1}', 'c{"x":2}']);
  });
  it('reports a role dependency cycle', () => {
    const f = project({ 'site.yml': '- hosts: all\n  roles: [a]\n', 'roles/a/meta/main.yml': 'dependencies: [b]\n', 'roles/b/meta/main.yml': 'dependencies: [a]\n' });
    expect(loadPlaybook(f, { env: {} }).diagnostics.map((d) => d.code)).toEqual(['E_ROLE_CYCLE']);
  });
  it('hints the search path when a role is missing', () => {
    const f = project({ 'site.yml': '- hosts: all\n  roles: [nope]\n' });
    const d = loadPlaybook(f, { env: { RACK_ROLES_PATH: '/opt/roles' } }).diagnostics[0];
    expect(d.code).toBe('E_ROLE_NOT_FOUND');
    expect(d.hint).toContain(join(dirname(f), 'roles'));
    expect(d.hint).toContain('/opt/roles');
  });
});
