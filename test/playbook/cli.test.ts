import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkMain } from '../../src/cli/check.js';
import { docMain } from '../../src/cli/doc.js';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (b) => (text.out += b));
  err.on('data', (b) => (text.err += b));
  return { io: { stdout: out, stderr: err }, text };
}
const fx = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

describe('rack check / rack doc', () => {
  it('exits 0 on a clean project', async () => {
    const { io: s, text } = io();
    expect(await checkMain([fx('projects/full/site.yml')], s)).toBe(0);
    expect(text.out).toContain('no problems');
  });
  it('prints every problem with caret and hint, exit 1', async () => {
    const { io: s, text } = io();
    expect(await checkMain([fx('broken/multi-error/site.yml')], s)).toBe(1);
    expect(text.err).toContain("site.yml:7:7: error E_UNKNOWN_MODULE: unknown module 'shel': did you mean 'shell'?");
    expect(text.err).toContain(' 7 |       shel: ls\n   |       ^^^^');
    expect(text.err).toContain('6 problems in 1 file');
  });
  it('--json prints one object per line', async () => {
    const { io: s, text } = io();
    expect(await checkMain(['--json', fx('broken/two-modules/site.yml')], s)).toBe(1);
    const lines = text.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((d) => [d.code, d.ref.line, d.ref.col])).toEqual([['E_TWO_MODULES', 5, 7]]);
  });
  it('documents a module from its schema', async () => {
    const { io: s, text } = io();
    expect(await docMain(['ansible.builtin.copy'], s)).toBe(0);
    expect(text.out).toMatch(/^dest\s+string\s+yes/m);
    expect(text.out).toContain('Example:');
    const l = io();
    expect(await docMain(['--list'], l.io)).toBe(0);
    expect(l.text.out).toMatch(/^copy\s/m);
    const bad = io();
    expect(await docMain(['cpoy'], bad.io)).toBe(1);
    expect(bad.text.err).toContain("did you mean 'copy'?");
  });
});
