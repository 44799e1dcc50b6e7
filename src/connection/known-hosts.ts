import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UnreachableError } from './types.js';

/** One line of a known_hosts file. */
export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: string; // '@revoked', '@cert-authority'
  patterns: string;
  keyType: string;
  key: Buffer;
}

/** The name a host is recorded under: `host` on port 22, `[host]:port` otherwise (OpenSSH's rule). */
export function knownHostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of the key blob's digest. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The algorithm name at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    const marker = words[0].startsWith('@') ? words.shift() : undefined;
    if (words.length < 3) return;
    const [patterns, keyType, b64] = words;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) return;
    entries.push({ file, line: i + 1, marker, patterns, keyType, key });
  });
  return entries;
}

/** `*` and `?` glob match, whole string, case-insensitive like OpenSSH host patterns. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(text);
}

function hashedMatch(pattern: string, token: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64');
  return mac === hash;
}

/** Does an entry's host field name this token? Handles hashed `|1|salt|hash` and `!negated` patterns. */
export function entryMatches(patterns: string, token: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatch(patterns, token);
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), token)) return false;
    } else if (globMatch(p, token)) matched = true;
  }
  return matched;
}

export async function loadKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    try {
      all.push(...parseKnownHosts(await readFile(file, 'utf8'), file));
    } catch {
      // A missing known_hosts file holds no keys.
    }
  }
  return all;
}

export type HostKeyVerdict =
  | { status: 'ok' }
  | { status: 'unknown' }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const token = knownHostToken(host, port);
  const type = keyTypeOf(key);
  const mine = entries.filter((e) => entryMatches(e.patterns, token));
  const revoked = mine.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = mine.filter((e) => !e.marker);
  if (plain.some((e) => e.key.equals(key))) return { status: 'ok' };
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) return { status: 'changed', entry: sameType };
  return { status: 'unknown' };
}

/** Key types already recorded for this host, so the connection asks the server for one of them first. */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const token = knownHostToken(host, port);
  return [...new Set(entries.filter((e) => !e.marker && entryMatches(e.patterns, token)).map((e) => e.keyType))];
}

export async function appendKnownHost(file: string, host: string, port: number, key: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const old = await readFile(file);
    if (old.length && old[old.length - 1] !== 0x0a) prefix = '\n';
  } catch {
    // New file.
  }
  const line = `${knownHostToken(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
  await appendFile(file, prefix + line, { mode: 0o600 });
}

export interface HostKeyPolicy {
  name: string;
  host: string;
  port: number;
  files: string[];
  trustNewHosts: boolean;
}

/** Accept the offered key or throw UnreachableError saying why. Unknown keys are recorded only with trustNewHosts. */
export async function verifyHostKey(policy: HostKeyPolicy, key: Buffer): Promise<void> {
  const { name, host, port, files } = policy;
  const verdict = checkHostKey(await loadKnownHosts(files), host, port, key);
  const fp = fingerprint(key);
  const token = knownHostToken(host, port);
  if (verdict.status === 'ok') return;
  if (verdict.status === 'revoked') {
    throw new UnreachableError(
      name,
      `host key ${keyTypeOf(key)} ${fp} offered by ${token} is marked @revoked (${verdict.entry.file}:${verdict.entry.line})`,
    );
  }
  if (verdict.status === 'changed') {
    throw new UnreachableError(
      name,
      `HOST KEY CHANGED for ${token}: it now offers ${keyTypeOf(key)} ${fp}, ` +
        `but ${verdict.entry.file}:${verdict.entry.line} records a different key. ` +
        'Someone could be intercepting the connection, or the host was reinstalled.',
      `if the host was reinstalled, remove the old entry (ssh-keygen -R '${token}'${files[0] ? ` -f ${files[0]}` : ''}) and connect again`,
    );
  }
  if (!policy.trustNewHosts || files.length === 0) {
    throw new UnreachableError(
      name,
      `unknown host key for ${token}: ${keyTypeOf(key)} ${fp} is not in ${files.join(', ') || 'any known_hosts file'}`,
      'check the fingerprint, then run again with --trust-new-hosts to record it (or add it with ssh-keyscan)',
    );
  }
  await appendKnownHost(files[0], host, port, key);
}
