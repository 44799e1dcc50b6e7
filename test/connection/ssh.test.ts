import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/commands/secret.js';
import { connect } from '../../src/connection/index.js';
import type { Connection, ConnectOptions } from '../../src/connection/types.js';
import { sshdSkipReason, startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdSkipReason();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Is a process whose argv contains `needle` (as NUL-separated words) running on this machine? */
function processRunning(needle: string): boolean {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(needle)) return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skip)(`ssh connection against a real sshd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let a: TestSshd;
  let work: string;
  let knownHosts: string;
  let conn: Connection;
  const opened: Connection[] = [];

  const options = (more: Partial<ConnectOptions> = {}): ConnectOptions => ({
    name: 'node-a',
    connection: 'ssh',
    address: a.host,
    port: a.port,
    user: 'root',
    keyFile: a.keyFile,
    knownHostsFiles: [knownHosts],
    trustNewHosts: false,
    connectTimeoutMs: 20_000,
    ...more,
  });
  const open = async (more: Partial<ConnectOptions> = {}): Promise<Connection> => {
    const c = await connect(options(more));
    opened.push(c);
    return c;
  };

  beforeAll(async () => {
    a = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'rack-conn-'));
    knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `# test hosts\n${a.knownHostsLine}\n`);
    conn = await open();
  });

  afterAll(async () => {
    for (const c of opened) await c.close().catch(() => undefined);
    await a?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('returns exact exit codes with stdout and stderr apart', async () => {
    for (const rc of [0, 1, 42, 255]) {
      const r = await conn.exec(`printf 'out %s' ${rc}; printf 'err %s' ${rc} >&2; exit ${rc}`);
      expect(r.rc).toBe(rc);
      expect(r.stdout.toString()).toBe(`out ${rc}`);
      expect(r.stderr.toString()).toBe(`err ${rc}`);
    }
  });

  it('carries every byte value on stdout and binary stdin', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const fmt = [...all].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
    const r = await conn.exec(`printf '${fmt}'`);
    expect(r.stdout.equals(all)).toBe(true);
    const data = Buffer.concat([all, randomBytes(300_000), all]);
    const echo = await conn.exec('cat; printf done >&2', { stdin: data });
    expect(echo.stdout.equals(data)).toBe(true);
    expect(echo.stderr.toString()).toBe('done');
    const sum = await conn.exec('sha256sum', { stdin: data });
    expect(sum.stdout.toString().split(' ')[0]).toBe(sha(data));
  });

  it('streams 10 MB of output and reads the same file over SFTP', async () => {
    const file = join(work, 'big.bin');
    const r = await conn.exec(`head -c 10485760 /dev/urandom | tee ${file}`);
    expect(r.rc).toBe(0);
    expect(r.stdout.length).toBe(10 * 1024 * 1024);
    expect(sha(r.stdout)).toBe(sha(readFileSync(file)));
    const got = await conn.get(file);
    expect(got.equals(r.stdout)).toBe(true);
    await expect(conn.get(join(work, 'missing'))).rejects.toThrow(/cannot read/);
  });

  it('passes env per command and keeps cwd and variables from leaking', async () => {
    const r = await conn.exec('echo "$A|$B"', { env: { A: "it's", B: 'x y $z' } });
    expect(r.stdout.toString()).toBe("it's|x y $z\n");
    const home = (await conn.exec('pwd')).stdout.toString();
    await conn.exec('cd /tmp; export A=leak; umask 077');
    const after = await conn.exec('pwd; echo "${A-none}"; umask');
    expect(after.stdout.toString()).toBe(`${home}none\n0022\n`);
  });

  it('queues concurrent execs and returns each its own result', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => conn.exec(`echo ${i}; echo e${i} >&2; exit ${i % 7}`)),
    );
    results.forEach((r, i) => {
      expect(r.stdout.toString()).toBe(`${i}\n`);
      expect(r.stderr.toString()).toBe(`e${i}\n`);
      expect(r.rc).toBe(i % 7);
    });
  });

  it('abort kills the running command tree and the session goes on', async () => {
    const tag = `${3000 + Math.floor(Math.random() * 900)}.${process.pid}`;
    const ac = new AbortController();
    const running = conn.exec(`sh -c 'sleep ${tag}; echo never'; echo never`, { signal: ac.signal });
    await waitFor(() => processRunning(`sleep\0${tag}`), 'the remote sleep to start');
    ac.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    await waitFor(() => !processRunning(`sleep\0${tag}`), 'the remote sleep to be killed');
    expect((await conn.exec('echo alive')).stdout.toString()).toBe('alive\n');
    await expect(conn.exec('sleep 30', { timeoutMs: 300 })).rejects.toThrow(/timed out/);
    expect((await conn.exec('echo still')).stdout.toString()).toBe('still\n');
  });

  it('refuses an unknown host key unless trustNewHosts, which records it', async () => {
    const file = join(work, 'kh-new');
    const err = await open({ knownHostsFiles: [file] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'UnreachableError', host: 'node-a' });
    expect((err as Error).message).toContain(a.hostKeyFingerprint);
    expect((err as { hint?: string }).hint).toContain('--trust-new-hosts');
    const trusted = await open({ knownHostsFiles: [file], trustNewHosts: true });
    expect((await trusted.exec('echo ok')).stdout.toString()).toBe('ok\n');
    expect(readFileSync(file, 'utf8')).toContain(a.knownHostsLine.split(' ').slice(1).join(' '));
    const again = await open({ knownHostsFiles: [file] });
    expect((await again.exec('echo again')).rc).toBe(0);
  });

  it('refuses a changed host key even with trustNewHosts, naming the fingerprint and the old entry', async () => {
    const other = join(work, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const pub = readFileSync(`${other}.pub`, 'utf8').trim().split(' ');
    const file = join(work, 'kh-changed');
    writeFileSync(file, `# old\n[${a.host}]:${a.port} ${pub[0]} ${pub[1]}\n`);
    const err = await open({ knownHostsFiles: [file], trustNewHosts: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'UnreachableError' });
    expect((err as Error).message).toContain(a.hostKeyFingerprint);
    expect((err as Error).message).toContain(`${file}:2`);
    expect((err as Error).message).toMatch(/changed/i);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('accepts a hashed known_hosts entry', async () => {
    const file = join(work, 'kh-hashed');
    writeFileSync(file, `${a.knownHostsLine}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    expect(readFileSync(file, 'utf8')).not.toContain(a.host);
    const c = await open({ knownHostsFiles: [file] });
    expect((await c.exec('echo hashed')).stdout.toString()).toBe('hashed\n');
  });

  it('resolves a ~/.ssh/config Host alias (HostName, Port, User, IdentityFile)', async () => {
    const home = join(work, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    copyFileSync(a.keyFile, join(home, '.ssh', 'rack_test_key'));
    writeFileSync(
      join(home, '.ssh', 'config'),
      `Host other\n  Port 1\n\nHost rack-alias-*\n  HostName ${a.host}\n  Port ${a.port}\n  User root\n  IdentityFile ~/.ssh/rack_test_key\n`,
    );
    const oldHome = process.env.HOME;
    process.env.HOME = home;
    try {
      const c = await open({ address: 'rack-alias-one', port: 22, user: undefined, keyFile: undefined });
      expect((await c.exec('id -un')).stdout.toString()).toBe('root\n');
    } finally {
      process.env.HOME = oldHome;
    }
  });

  it('reports refused connections and failed authentication as unreachable', async () => {
    const refused = await open({ port: 1 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'UnreachableError' });
    expect((refused as Error).message).toMatch(/refused/);
    const stranger = join(work, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const denied = await open({ keyFile: stranger }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ name: 'UnreachableError' });
    expect((denied as Error).message).toMatch(/authentication failed/);
  });

  describe('through jump hosts', () => {
    let b: TestSshd;
    let noForward: TestSshd;
    beforeAll(async () => {
      b = await startSshd({ host: '127.0.0.2' });
      noForward = await startSshd({ host: '127.0.0.3', config: ['AllowTcpForwarding no'] });
      writeFileSync(knownHosts, `${a.knownHostsLine}\n${b.knownHostsLine}\n${noForward.knownHostsLine}\n`);
      // The hops also accept the target's client key.
      for (const s of [a, noForward]) appendFileSync(join(s.dir, 'authorized_keys'), readFileSync(join(b.dir, 'authorized_keys')));
    });
    afterAll(async () => {
      await b?.stop();
      await noForward?.stop();
    });

    it('reaches the target through one and two hops, and fails when a hop refuses forwarding', async () => {
      const base = { name: 'node-b', address: b.host, port: b.port, keyFile: b.keyFile };
      const one = await open({ ...base, proxyJump: `root@${a.host}:${a.port}` });
      expect((await one.exec('echo "$SSH_CONNECTION"')).stdout.toString()).toContain(` ${b.host} ${b.port}`);
      const two = await open({ ...base, proxyJump: `root@${a.host}:${a.port},root@${a.host}:${a.port}` });
      expect((await two.exec('echo two')).stdout.toString()).toBe('two\n');
      const blocked = await open({ ...base, proxyJump: `root@${noForward.host}:${noForward.port}` }).catch((e: unknown) => e);
      expect(blocked).toMatchObject({ name: 'UnreachableError' });
      expect((blocked as Error).message).toMatch(/jump host .* cannot reach/);
    });
  });

  describe('become', () => {
    const user = `rackt${randomBytes(3).toString('hex')}`;
    const sudoers = `/etc/sudoers.d/${user}`;
    const password = `pw-${randomBytes(6).toString('hex')}`;
    beforeAll(() => {
      execFileSync('useradd', ['-m', '-s', '/bin/sh', user]);
      execFileSync('chpasswd', { input: `${user}:${password}\n` });
      writeFileSync(sudoers, `${user} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
    });
    afterAll(() => {
      rmSync(sudoers, { force: true });
      execFileSync('userdel', ['-r', '-f', user], { stdio: 'ignore' });
    });

    it('runs as another user via sudo from root, and become to root as root is a no-op', async () => {
      const r = await conn.exec('id -un; echo "$V"; cat', { become: true, becomeUser: user, env: { V: 'kept' }, stdin: 'in' });
      expect(r.stdout.toString()).toBe(`${user}\nkept\nin`);
      expect((await conn.exec('id -un', { become: true })).stdout.toString()).toBe('root\n');
    });

    it('feeds the become password to sudo without showing it', async () => {
      const c = await open({ user, becomePassword: new Secret(password) });
      expect((await c.exec('id -un')).stdout.toString()).toBe(`${user}\n`);
      const r = await c.exec('id -un; cat', { become: true, stdin: 'data' });
      expect(r.rc).toBe(0);
      expect(r.stdout.toString()).toBe('root\ndata');
      expect(r.stdout.toString() + r.stderr.toString()).not.toContain(password);
      const wrong = await open({ user, becomePassword: new Secret('not-the-password') });
      const w = await wrong.exec('id -un', { become: true });
      expect(w.rc).not.toBe(0);
      expect(w.stdout.toString()).not.toContain('root');
      const none = await open({ user });
      expect((await none.exec('id -un', { become: true })).rc).not.toBe(0);
    });
  });
});
