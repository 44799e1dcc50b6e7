import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHostKey, entryMatches, fingerprint, parseKnownHosts } from '../../src/connection/known-hosts.js';
import { parseProxyJump } from '../../src/connection/proxy-jump.js';
import { parseSshArgs } from '../../src/connection/ssh-args.js';
import { resolveSshConfig } from '../../src/connection/ssh-config.js';
import { FrameReader } from '../../src/connection/frame-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'rack-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ssh config', () => {
  const cfg = join(dir, 'config');
  const inc = join(dir, 'extra.conf');
  writeFileSync(
    cfg,
    `# comment
Include ${inc}
Host web? !web9
  HostName %h.example.net
  User deploy
Host *.lab pi-*
  Port=2222
  IdentityFile ~/.ssh/lab_key
  ProxyJump admin@gw.example.net:2200,bastion
Match host x
  User ignored
Host *
  User fallback
  IdentityFile "~/.ssh/id with space"
  UserKnownHostsFile ~/.ssh/kh1 /etc/kh2
`,
  );
  writeFileSync(inc, 'Host pi-7\n  HostName 10.0.0.7\n');

  it('takes the first value per option and accumulates IdentityFile', () => {
    expect(resolveSshConfig('pi-7', [cfg])).toEqual({
      hostName: '10.0.0.7',
      user: 'fallback',
      port: 2222,
      identityFiles: [join(homedir(), '.ssh/lab_key'), join(homedir(), '.ssh/id with space')],
      proxyJump: 'admin@gw.example.net:2200,bastion',
      knownHostsFiles: [join(homedir(), '.ssh/kh1'), '/etc/kh2'],
    });
  });

  it('matches ? and ! patterns and expands %h', () => {
    expect(resolveSshConfig('web1', [cfg])).toMatchObject({ hostName: 'web1.example.net', user: 'deploy' });
    expect(resolveSshConfig('web9', [cfg]).user).toBe('fallback');
    expect(resolveSshConfig('web10', [cfg]).hostName).toBeUndefined();
    expect(resolveSshConfig('nothing', [join(dir, 'missing')])).toEqual({});
  });

  it('parses ssh command-line options and ProxyJump lists', () => {
    expect(
      parseSshArgs(`-o UserKnownHostsFile=/dev/null -oPort=2201 -o 'StrictHostKeyChecking no' -i k -J j1 -l bob -x`),
    ).toEqual({ knownHostsFiles: ['/dev/null'], port: 2201, strictHostKeyChecking: 'no', identityFiles: ['k'], proxyJump: 'j1', user: 'bob' });
    expect(parseProxyJump('a@h1:2200, h2 ,ssh://u@[::1]:22')).toEqual([
      { user: 'a', host: 'h1', port: 2200 },
      { host: 'h2' },
      { user: 'u', host: '::1', port: 22 },
    ]);
    expect(parseProxyJump('none')).toEqual([]);
  });
});

describe('known_hosts', () => {
  const keyFile = join(dir, 'k');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  const [type, b64] = readFileSync(`${keyFile}.pub`, 'utf8').split(' ');
  const key = Buffer.from(b64, 'base64');

  it('prints fingerprints exactly as ssh-keygen does', () => {
    const theirs = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprint(key)).toBe(theirs);
  });

  it('matches plain, wildcard, negated, [host]:port and hashed entries', () => {
    const kh = join(dir, 'kh');
    writeFileSync(kh, `10.1.1.1 ${type} ${b64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    const hashed = parseKnownHosts(readFileSync(kh, 'utf8'), kh)[0].patterns;
    expect(entryMatches(hashed, '10.1.1.1')).toBe(true);
    expect(entryMatches(hashed, '10.1.1.2')).toBe(false);
    expect(entryMatches('*.lab,!bad.lab', 'n1.lab')).toBe(true);
    expect(entryMatches('*.lab,!bad.lab', 'bad.lab')).toBe(false);
    const entries = parseKnownHosts(`[n1]:2222 ${type} ${b64}\n@revoked * ${type} ${b64}\n`, 'f');
    expect(checkHostKey(entries.slice(0, 1), 'n1', 2222, key)).toEqual({ status: 'ok' });
    expect(checkHostKey(entries.slice(0, 1), 'n1', 22, key)).toEqual({ status: 'unknown' });
    expect(checkHostKey(entries, 'n1', 2222, key).status).toBe('revoked');
  });
});

describe('frame reader', () => {
  it('finds markers split across chunks and keeps the rest for the next frame', async () => {
    const r = new FrameReader();
    const first = r.next(Buffer.from('MARK'));
    r.push(Buffer.from('abcMA'));
    r.push(Buffer.from('RKnext'));
    expect((await first).toString()).toBe('abcMARK');
    r.push(Buffer.from('MARK'));
    expect((await r.next(Buffer.from('MARK'))).toString()).toBe('nextMARK');
  });
});
