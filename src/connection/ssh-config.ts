import { readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { globMatch } from './known-hosts.js';
import { splitWords } from '../commands/words.js';

/** What ~/.ssh/config says about one host (only the options rack uses). */
export interface SshConfigResult {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles?: string[];
  proxyJump?: string;
  knownHostsFiles?: string[];
  strictHostKeyChecking?: string;
}

export function defaultSshConfigFiles(): string[] {
  return [join(homedir(), '.ssh', 'config'), '/etc/ssh/ssh_config'];
}

/** `~/x` -> home-relative path. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

function hostPatternsMatch(patterns: string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), host)) return false;
    } else if (globMatch(p, host)) matched = true;
  }
  return matched;
}

/** Files named by an Include line; relative paths are under ~/.ssh (user config) or /etc/ssh. */
function includeFiles(arg: string, fromFile: string): string[] {
  const base = fromFile.startsWith('/etc/ssh') ? '/etc/ssh' : join(homedir(), '.ssh');
  return splitWords(arg).flatMap((word) => {
    const path = expandHome(word);
    const full = isAbsolute(path) ? path : join(base, path);
    const name = basename(full);
    if (!/[*?]/.test(name)) return [full];
    try {
      return readdirSync(dirname(full))
        .filter((f) => globMatch(name, f))
        .sort()
        .map((f) => join(dirname(full), f));
    } catch {
      return [];
    }
  });
}

interface Collected {
  values: Map<string, string>;
  identityFiles: string[];
}

function readConfig(file: string, host: string, acc: Collected, depth: number): void {
  if (depth > 8) return;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  let active = true;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const arg = m[2].trim();
    if (key === 'host') {
      active = hostPatternsMatch(splitWords(arg), host);
      continue;
    }
    if (key === 'match') {
      // Only `Match all` is understood; other Match blocks are skipped rather than guessed.
      active = arg.toLowerCase() === 'all';
      continue;
    }
    if (!active) continue;
    if (key === 'include') {
      for (const f of includeFiles(arg, file)) readConfig(f, host, acc, depth + 1);
    } else if (key === 'identityfile') {
      acc.identityFiles.push(splitWords(arg)[0] ?? arg);
    } else if (!acc.values.has(key)) {
      // OpenSSH: the first value obtained for an option wins.
      acc.values.set(key, key === 'userknownhostsfile' ? arg : (splitWords(arg)[0] ?? arg));
    }
  }
}

function expandTokens(text: string, t: { host: string; hostName: string; user?: string; port: number }): string {
  return expandHome(
    text.replace(/%([%dhnpru])/g, (_, c: string) => {
      switch (c) {
        case '%':
          return '%';
        case 'd':
          return homedir();
        case 'h':
          return t.hostName;
        case 'n':
          return t.host;
        case 'p':
          return String(t.port);
        case 'r':
          return t.user ?? userInfo().username;
        default:
          return userInfo().username;
      }
    }),
  );
}

/** Resolve `host` (an alias or name) through ssh config files, OpenSSH style: first match wins. */
export function resolveSshConfig(host: string, files: string[] = defaultSshConfigFiles()): SshConfigResult {
  const acc: Collected = { values: new Map(), identityFiles: [] };
  for (const f of files) readConfig(f, host, acc, 0);
  const v = acc.values;
  const out: SshConfigResult = {};
  const hostNameRaw = v.get('hostname');
  const hostName = hostNameRaw ? hostNameRaw.replace(/%h/g, host).replace(/%%/g, '%') : undefined;
  if (hostName) out.hostName = hostName;
  if (v.has('user')) out.user = v.get('user');
  if (v.has('port')) out.port = Number(v.get('port'));
  const tokens = { host, hostName: hostName ?? host, user: out.user, port: out.port ?? 22 };
  if (acc.identityFiles.length) out.identityFiles = acc.identityFiles.map((f) => expandTokens(f, tokens));
  const jump = v.get('proxyjump');
  if (jump && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  const khf = v.get('userknownhostsfile');
  if (khf) out.knownHostsFiles = splitWords(khf).map((f) => expandTokens(f, tokens));
  if (v.has('stricthostkeychecking')) out.strictHostKeyChecking = v.get('stricthostkeychecking')!.toLowerCase();
  return out;
}
