import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommands } from '../../src/executor/apply.js';
import { changed, converge, ctx, isRoot, LocalConnection, planOn, tempDir } from './helpers.js';

const conn = new LocalConnection();
let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());
const p = (...x: string[]) => join(dir, ...x);

describe('copy', () => {
  it('writes content, shows a diff, then is unchanged', async () => {
    const dest = p('copy1.conf');
    const r = await converge(conn, 'copy', { content: 'a=1\n', dest, mode: '0600' });
    expect(r.first.commands.map((c) => c.kind)).toEqual(['write']);
    expect(r.first.diff).toEqual([{ path: dest, before: '', after: 'a=1\n' }]);
    expect(readFileSync(dest, 'utf8')).toBe('a=1\n');
    expect(statSync(dest).mode & 0o7777).toBe(0o600);
    expect(r.second.commands).toEqual([]);
  });

  it('changes only the mode when content already matches (YAML 0644 = 420)', async () => {
    const dest = p('copy2');
    writeFileSync(dest, 'same', { mode: 0o600 });
    const r = await converge(conn, 'copy', { content: 'same', dest, mode: 420 });
    expect(r.first.commands).toHaveLength(1);
    expect(r.first.commands[0].kind).toBe('exec');
    expect(statSync(dest).mode & 0o7777).toBe(0o644);
    expect(r.second.commands).toEqual([]);
  });

  it('src into a dest ending in / creates the directory and uses the basename', async () => {
    const src = p('local-src.txt');
    writeFileSync(src, 'from src\n');
    const r = await converge(conn, 'copy', { src, dest: p('newdir') + '/' });
    expect(readFileSync(p('newdir', 'local-src.txt'), 'utf8')).toBe('from src\n');
    expect(r.second.commands).toEqual([]);
  });

  it('replaces changed content with a diff of both sides; force: false leaves it', async () => {
    const dest = p('copy3');
    writeFileSync(dest, 'old\n');
    const keep = await planOn(conn, 'copy', { content: 'new\n', dest, force: false });
    expect(keep.plan.commands).toEqual([]);
    const r = await converge(conn, 'copy', { content: 'new\n', dest });
    expect(r.first.diff?.[0]).toMatchObject({ before: 'old\n', after: 'new\n' });
    expect(r.second.commands).toEqual([]);
  });

  it('remote_src copies a host file atomically', async () => {
    writeFileSync(p('remote-src'), 'remote\n');
    const r = await converge(conn, 'copy', { src: p('remote-src'), dest: p('remote-dest'), remote_src: true, mode: '0640' });
    expect(readFileSync(p('remote-dest'), 'utf8')).toBe('remote\n');
    expect(statSync(p('remote-dest')).mode & 0o7777).toBe(0o640);
    expect(r.second.commands).toEqual([]);
  });

  it('omits the diff for binary content', async () => {
    const { plan } = await planOn(conn, 'copy', { content: 'a\u0000b', dest: p('bin') });
    expect(plan.diff).toBeUndefined();
  });
});

describe('template', () => {
  it('renders through ctx.renderTemplate and converges', async () => {
    const c = ctx({ renderTemplate: async (src) => `rendered from ${src}\n` });
    const r = await converge(conn, 'template', { src: 'x.hbs', dest: p('tpl.conf'), validate: 'grep -q rendered %s' }, c);
    expect(readFileSync(p('tpl.conf'), 'utf8')).toBe('rendered from x.hbs\n');
    expect(r.second.commands).toEqual([]);
  });
});

describe('file', () => {
  it('directory with mode, then unchanged', async () => {
    const r = await converge(conn, 'file', { path: p('d1', 'sub'), state: 'directory', mode: '0750' });
    expect(statSync(p('d1', 'sub')).mode & 0o7777).toBe(0o750);
    expect(r.second.commands).toEqual([]);
  });

  it('symbolic modes and recurse', async () => {
    mkdirSync(p('tree', 'a'), { recursive: true });
    writeFileSync(p('tree', 'a', 'f'), 'x', { mode: 0o600 });
    const r = await converge(conn, 'file', { path: p('tree'), state: 'directory', mode: 'u=rwX,g=rX,o=', recurse: true });
    expect(statSync(p('tree', 'a', 'f')).mode & 0o7777).toBe(0o640);
    expect(statSync(p('tree', 'a')).mode & 0o7777).toBe(0o750);
    expect(r.second.commands).toEqual([]);
  });

  it('touch creates, preserve makes it idempotent', async () => {
    const r = await converge(conn, 'file', { path: p('touched'), state: 'touch', modification_time: 'preserve', access_time: 'preserve', mode: '0600' });
    expect(statSync(p('touched')).mode & 0o7777).toBe(0o600);
    expect(r.second.commands).toEqual([]);
    const again = await planOn(conn, 'file', { path: p('touched'), state: 'touch' });
    expect(changed(again.plan)).toBe(true);
  });

  it('link, hard link and absent', async () => {
    writeFileSync(p('target'), 't');
    const l = await converge(conn, 'file', { path: p('lnk'), src: p('target'), state: 'link' });
    expect(readlinkSync(p('lnk'))).toBe(p('target'));
    expect(l.second.commands).toEqual([]);
    const h = await converge(conn, 'file', { path: p('hard'), src: p('target'), state: 'hard' });
    expect(statSync(p('hard')).ino).toBe(statSync(p('target')).ino);
    expect(h.second.commands).toEqual([]);
    const a = await converge(conn, 'file', { path: p('lnk'), state: 'absent' });
    expect(() => lstatSync(p('lnk'))).toThrow();
    expect(existsSync(p('target'))).toBe(true);
    expect(a.second.commands).toEqual([]);
  });

  it('state file on a missing path fails', async () => {
    const { plan } = await planOn(conn, 'file', { path: p('nope'), state: 'file' });
    expect(plan.failed).toMatch(/absent/);
  });

  it.skipIf(!isRoot)('owner and group (root)', async () => {
    writeFileSync(p('own'), 'x');
    const r = await converge(conn, 'file', { path: p('own'), owner: 'nobody', group: 'nogroup' });
    expect(statSync(p('own')).uid).toBe(65534);
    expect(r.second.commands).toEqual([]);
  });
});

describe('lineinfile', () => {
  it('replaces the last regexp match, then is unchanged', async () => {
    writeFileSync(p('sshd'), '#PasswordAuthentication yes\nPort 22\n');
    const r = await converge(conn, 'lineinfile', { path: p('sshd'), regexp: '^#?PasswordAuthentication', line: 'PasswordAuthentication no' });
    expect(readFileSync(p('sshd'), 'utf8')).toBe('PasswordAuthentication no\nPort 22\n');
    expect(r.first.diff?.[0].before).toContain('#Password');
    expect(r.second.commands).toEqual([]);
  });

  it('inserts after a match, at BOF, at EOF (adding a missing final newline)', async () => {
    writeFileSync(p('li'), 'a\nb\nc');
    await converge(conn, 'lineinfile', { path: p('li'), line: 'after-a', insertafter: '^a$' });
    await converge(conn, 'lineinfile', { path: p('li'), line: 'first', insertbefore: 'BOF' });
    const r = await converge(conn, 'lineinfile', { path: p('li'), line: 'last' });
    expect(readFileSync(p('li'), 'utf8')).toBe('first\na\nafter-a\nb\nc\nlast\n');
    expect(r.second.commands).toEqual([]);
  });

  it('backrefs with Python groups, absent, and create', async () => {
    writeFileSync(p('br'), 'key = 1\nother\n');
    await converge(conn, 'lineinfile', { path: p('br'), regexp: '^(?P<k>key) = \\d+$', line: '\\g<k> = 2', backrefs: true });
    expect(readFileSync(p('br'), 'utf8')).toBe('key = 2\nother\n');
    await converge(conn, 'lineinfile', { path: p('br'), regexp: '^other', state: 'absent' });
    expect(readFileSync(p('br'), 'utf8')).toBe('key = 2\n');
    const c = await converge(conn, 'lineinfile', { path: p('new', 'created'), line: 'x', create: true });
    expect(readFileSync(p('new', 'created'), 'utf8')).toBe('x\n');
    expect(c.second.commands).toEqual([]);
    const missing = await planOn(conn, 'lineinfile', { path: p('never'), line: 'x' });
    expect(missing.plan.failed).toMatch(/does not exist/);
  });
});

describe('blockinfile', () => {
  it('inserts, updates and removes a marked block', async () => {
    writeFileSync(p('hosts'), '127.0.0.1 localhost\n');
    const a = await converge(conn, 'blockinfile', { path: p('hosts'), block: '10.0.0.1 n1\n10.0.0.2 n2\n' });
    expect(readFileSync(p('hosts'), 'utf8')).toBe('127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 n1\n10.0.0.2 n2\n# END ANSIBLE MANAGED BLOCK\n');
    expect(a.second.commands).toEqual([]);
    await converge(conn, 'blockinfile', { path: p('hosts'), block: '10.0.0.3 n3', marker: '# {mark} ANSIBLE MANAGED BLOCK' });
    expect(readFileSync(p('hosts'), 'utf8')).toBe('127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.3 n3\n# END ANSIBLE MANAGED BLOCK\n');
    const rm = await converge(conn, 'blockinfile', { path: p('hosts'), state: 'absent' });
    expect(readFileSync(p('hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
    expect(rm.second.commands).toEqual([]);
  });

  it('insertbefore a regexp with a custom marker', async () => {
    writeFileSync(p('cfg'), 'a\nexit 0\n');
    await converge(conn, 'blockinfile', { path: p('cfg'), block: 'x', insertbefore: '^exit', marker: '## {mark}' });
    expect(readFileSync(p('cfg'), 'utf8')).toBe('a\n## BEGIN\nx\n## END\nexit 0\n');
  });
});

describe('replace', () => {
  it('MULTILINE ^/$ and groups, like Python re.sub', async () => {
    writeFileSync(p('rep'), 'opt = 1\nopt = 2\nkeep opt = 3\n');
    const r = await converge(conn, 'replace', { path: p('rep'), regexp: '^opt = (\\d)$', replace: 'opt = \\1\\1' });
    expect(readFileSync(p('rep'), 'utf8')).toBe('opt = 11\nopt = 22\nkeep opt = 3\n');
    expect(r.second.commands).toEqual([]);
  });

  it('after/before restrict the section', async () => {
    writeFileSync(p('sect'), 'x\n[a]\nx\n[b]\nx\n');
    await converge(conn, 'replace', { path: p('sect'), regexp: '^x$', replace: 'y', after: '\\[a\\]', before: '\\[b\\]' });
    expect(readFileSync(p('sect'), 'utf8')).toBe('x\n[a]\ny\n[b]\nx\n');
  });
});

describe('stat and slurp', () => {
  it('describes a file like Ansible (checksum sha1)', async () => {
    writeFileSync(p('st'), 'hello', { mode: 0o640 });
    const { plan } = await planOn(conn, 'stat', { path: p('st') });
    expect(plan.commands).toEqual([]);
    expect(plan.result?.stat).toMatchObject({ exists: true, isreg: true, isdir: false, islnk: false, mode: '0640', size: 5, checksum: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d' });
    const none = await planOn(conn, 'stat', { path: p('absent') });
    expect(none.plan.result?.stat).toEqual({ exists: false });
    const lnk = await planOn(conn, 'stat', { path: p('lnk2') });
    expect(lnk.plan.result?.stat).toEqual({ exists: false });
  });

  it('slurp returns base64', async () => {
    writeFileSync(p('sl'), Buffer.from([0, 1, 2, 200]));
    const { plan } = await planOn(conn, 'slurp', { src: p('sl') });
    expect(Buffer.from(plan.result?.content as string, 'base64')).toEqual(Buffer.from([0, 1, 2, 200]));
    const miss = await planOn(conn, 'slurp', { src: p('nothing') });
    expect(miss.plan.failed).toMatch(/not found/);
  });
});

describe('command and shell', () => {
  it('command quotes words and does not use a shell; creates skips', async () => {
    const marker = p('made by command');
    const first = await planOn(conn, 'command', { cmd: `touch '${marker}' ; echo`, creates: marker, chdir: dir });
    expect(first.plan.changed).toBe(true);
    const r = await applyCommands(conn, first.plan.commands);
    expect(r.ok).toBe(true);
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(p(';'))).toBe(true); // ';' was a plain argument, not a separator
    const second = await planOn(conn, 'command', { cmd: `touch '${marker}'`, creates: marker });
    expect(second.plan.commands).toEqual([]);
    expect(second.plan.changed).toBe(false);
  });

  it('argv list form and chdir', async () => {
    const { plan } = await planOn(conn, 'command', { argv: ['sh', '-c', 'pwd; printf "%s" "$0"', 'a b'], chdir: dir });
    const r = await applyCommands(conn, plan.commands);
    expect(r.stdout).toBe(`${dir}\na b`);
  });

  it('shell runs pipes and stdin; removes skips when the path is gone', async () => {
    const { plan } = await planOn(conn, 'shell', { cmd: 'tr a-z A-Z | head -c 3', stdin: 'hello' });
    expect((await applyCommands(conn, plan.commands)).stdout).toBe('HEL');
    const skip = await planOn(conn, 'shell', { cmd: 'false', removes: p('no-such-*') });
    expect(skip.plan.commands).toEqual([]);
    writeFileSync(p('glob-match-1'), '');
    const run = await planOn(conn, 'shell', { cmd: 'true', removes: p('glob-match-*') });
    expect(run.plan.commands).toHaveLength(1);
  });
});

describe('unarchive', () => {
  it('tar.gz from the control machine: extracts, then unchanged', async () => {
    mkdirSync(p('arc-src', 'pkg', 'bin'), { recursive: true });
    writeFileSync(p('arc-src', 'pkg', 'bin', 'tool'), '#!/bin/sh\necho hi\n');
    writeFileSync(p('arc-src', 'pkg', 'README'), 'readme\n');
    execFileSync('tar', ['-czf', p('pkg.tar.gz'), '-C', p('arc-src'), 'pkg']);
    mkdirSync(p('arc-dest'));
    const r = await converge(conn, 'unarchive', { src: p('pkg.tar.gz'), dest: p('arc-dest'), list_files: true });
    expect(readFileSync(p('arc-dest', 'pkg', 'README'), 'utf8')).toBe('readme\n');
    expect(r.first.result?.files).toEqual(expect.arrayContaining(['pkg', 'pkg/bin/tool', 'pkg/README']));
    expect(r.second.commands).toEqual([]);
    writeFileSync(p('arc-dest', 'pkg', 'README'), 'changed locally, different size\n');
    const again = await planOn(conn, 'unarchive', { src: p('pkg.tar.gz'), dest: p('arc-dest') });
    expect(again.plan.commands).toHaveLength(1);
  });

  it('zip, remote_src: extracts with unzip, then unchanged', async () => {
    execFileSync('zip', ['-qr', p('pkg.zip'), 'pkg'], { cwd: p('arc-src') });
    mkdirSync(p('zip-dest'));
    const r = await converge(conn, 'unarchive', { src: p('pkg.zip'), dest: p('zip-dest'), remote_src: true });
    expect(readFileSync(p('zip-dest', 'pkg', 'bin', 'tool'), 'utf8')).toContain('echo hi');
    expect(r.second.commands).toEqual([]);
    const local = await converge(conn, 'unarchive', { src: p('pkg.zip'), dest: p('zip-dest') });
    expect(local.first.commands).toEqual([]);
  });

  it('creates skips', async () => {
    const { plan } = await planOn(conn, 'unarchive', { src: p('pkg.tar.gz'), dest: p('arc-dest'), creates: p('arc-dest', 'pkg') });
    expect(plan.commands).toEqual([]);
  });
});

describe('git', () => {
  const g = (cwd: string, ...a: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd }).toString().trim();
  it('clones a local repo at a tag, moves to a branch, refuses local changes', async () => {
    const repo = p('repo');
    mkdirSync(repo);
    g(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'f'), 'v1\n');
    g(repo, 'add', 'f');
    g(repo, 'commit', '-qm', 'one');
    g(repo, 'tag', '-a', 'v1', '-m', 'v1');
    const v1 = g(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'f'), 'v2\n');
    g(repo, 'commit', '-qam', 'two');
    const v2 = g(repo, 'rev-parse', 'HEAD');
    const dest = p('checkout');
    const a = await converge(conn, 'git', { repo, dest, version: 'v1' });
    expect(g(dest, 'rev-parse', 'HEAD')).toBe(v1);
    expect(a.second.commands).toEqual([]);
    const b = await converge(conn, 'git', { repo, dest, version: 'main' });
    expect(g(dest, 'rev-parse', 'HEAD')).toBe(v2);
    expect(b.second.commands).toEqual([]);
    const c = await converge(conn, 'git', { repo, dest, version: v1 });
    expect(g(dest, 'rev-parse', 'HEAD')).toBe(v1);
    expect(c.second.commands).toEqual([]);
    writeFileSync(join(dest, 'f'), 'local edit\n');
    const dirty = await planOn(conn, 'git', { repo, dest, version: 'main' });
    expect(dirty.plan.failed).toMatch(/Local modifications/);
  });
});

describe('wait_for', () => {
  it('waits for a path and times out with msg', async () => {
    const { plan } = await planOn(conn, 'wait_for', { path: p('st'), search_regex: 'hel+o', timeout: 5 });
    expect((await applyCommands(conn, plan.commands)).ok).toBe(true);
    const t = await planOn(conn, 'wait_for', { path: p('never-there'), timeout: 1, msg: 'gave up' });
    const r = await applyCommands(conn, t.plan.commands);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('gave up');
  });
});
