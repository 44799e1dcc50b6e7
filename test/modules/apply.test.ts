import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sh } from '../../src/commands/quote.js';
import { exec } from '../../src/commands/types.js';
import { applyCommands } from '../../src/executor/apply.js';
import { isRoot, LocalConnection, tempDir } from './helpers.js';

const conn = new LocalConnection();
let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());
const leftovers = (d: string) => readdirSync(d).filter((n) => n.startsWith('.rack-tmp-'));

describe('applyCommands', () => {
  it('writes a new file with the requested mode, binary safe', async () => {
    const path = join(dir, 'bin.dat');
    const content = Buffer.from([0, 1, 2, 255, 10, 13, 0, 39, 34]);
    const r = await applyCommands(conn, [{ kind: 'write', path, content, mode: '0640' }]);
    expect(r.ok).toBe(true);
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(leftovers(dir)).toEqual([]);
  });

  it('keeps the mode of a file it replaces when none is asked for', async () => {
    const path = join(dir, 'keep-mode');
    writeFileSync(path, 'old', { mode: 0o600 });
    const r = await applyCommands(conn, [{ kind: 'write', path, content: Buffer.from('new') }]);
    expect(r.ok).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o7777).toBe(0o600);
  });

  it('a failing validate leaves the original intact and no temp file', async () => {
    const path = join(dir, 'conf');
    writeFileSync(path, 'good\n');
    const r = await applyCommands(conn, [{ kind: 'write', path, content: Buffer.from('bad\n'), validate: 'grep -q good %s' }]);
    expect(r.ok).toBe(false);
    expect(r.failedCommand).toBe(`write ${path}`);
    expect(r.stderr).toContain('validation failed');
    expect(readFileSync(path, 'utf8')).toBe('good\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('validate sees the new content at %s', async () => {
    const path = join(dir, 'conf2');
    writeFileSync(path, 'x\n');
    const r = await applyCommands(conn, [{ kind: 'write', path, content: Buffer.from('good\n'), validate: 'grep -q good %s' }]);
    expect(r.ok).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('good\n');
  });

  it('backup keeps the old content next to the file and reports it', async () => {
    const sub = join(dir, 'bk');
    mkdirSync(sub);
    const path = join(sub, 'f');
    writeFileSync(path, 'before\n');
    const r = await applyCommands(conn, [{ kind: 'write', path, content: Buffer.from('after\n'), backup: true }]);
    expect(r.ok).toBe(true);
    expect(r.backupFile).toMatch(/\/f\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(readFileSync(r.backupFile!, 'utf8')).toBe('before\n');
    expect(readFileSync(path, 'utf8')).toBe('after\n');
  });

  it('a write into a missing directory fails and creates nothing', async () => {
    const path = join(dir, 'missing', 'f');
    const r = await applyCommands(conn, [{ kind: 'write', path, content: Buffer.from('x') }]);
    expect(r.ok).toBe(false);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it.skipIf(!isRoot)('sets owner and group (root)', async () => {
    const path = join(dir, 'owned');
    const r = await applyCommands(conn, [{ kind: 'write', path, content: Buffer.from('x'), owner: 'nobody', group: 'nogroup' }]);
    expect(r.ok).toBe(true);
    expect(statSync(path).uid).toBe(65534);
  });

  it('stops at the first failing exec, honours okCodes and capture', async () => {
    const marker = join(dir, 'not-run');
    const r = await applyCommands(conn, [
      exec(sh`echo captured; exit 3`, { okCodes: [0, 3], capture: true }),
      exec(sh`echo oops >&2; exit 5`),
      exec(sh`touch ${marker}`),
    ]);
    expect(r.ok).toBe(false);
    expect(r.rc).toBe(5);
    expect(r.stdout).toContain('captured');
    expect(r.stderr).toContain('oops');
    expect(r.failedCommand).toContain('exit 5');
    expect(existsSync(marker)).toBe(false);
  });

  it('passes stdin and env to exec commands', async () => {
    const r = await applyCommands(conn, [exec(sh`cat; printf %s "$RACK_T"`, { capture: true, stdin: 'in\n' })], { env: { RACK_T: 'env' } });
    expect(r.stdout).toBe('in\nenv');
  });
});
