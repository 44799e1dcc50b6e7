import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RackError } from '../../src/errors.js';
import { ARTIFACT_KINDS, PENDING, loadManifest, parseManifest } from '../../src/images/index.js';

const repoImages = fileURLToPath(new URL('../../images', import.meta.url));

function problems(text: string): { code: string; message: string; line?: number; hint?: string }[] {
  try {
    parseManifest(text, 'manifest.yml');
  } catch (e) {
    if (e instanceof RackError) return e.diagnostics.map((d) => ({ code: d.code, message: d.message, line: d.ref?.line, hint: d.hint }));
    throw e;
  }
  return [];
}

const entry = (over: Record<string, string>) =>
  Object.entries({ name: 'a', kind: 'ipxe', url: 'https://example.org/a', sha256: PENDING, dest: 'a', ...over })
    .map(([k, v], i) => `${i ? '    ' : '  - '}${k}: ${JSON.stringify(v)}`)
    .join('\n');

describe('images manifest', () => {
  it("rack's own manifest is valid, https-only, and covers every artifact kind", () => {
    const all = loadManifest(repoImages);
    expect(new Set(all.map((a) => a.kind))).toEqual(new Set(ARTIFACT_KINDS));
    for (const a of all) expect(a.url.startsWith('https://')).toBe(true);
    for (const n of ['start4.elf', 'fixup4.dat', 'bootcode.bin', 'undionly.kpxe', 'ipxe.efi'])
      expect(all.some((a) => a.dest.endsWith(n))).toBe(true);
  });

  it('reports each bad entry at its line, with did-you-mean for typos', () => {
    const text = `artifacts:\n${entry({})}\n${entry({ name: 'b', sha256: 'abc', dest: '../escape' })}\n${entry({ name: 'c', kind: 'ipxee', dest: 'c' })}\n`;
    const found = problems(text);
    expect(found.map((p) => [p.line, p.message.split(' ')[0]])).toEqual([
      [7, 'sha256'],
      [7, 'dest'],
      [12, 'artifact'],
    ]);
    expect(found[2].hint).toBe("did you mean 'ipxe'?");
    expect(found.every((p) => p.code === 'E_IMAGE_MANIFEST')).toBe(true);
  });

  it('rejects duplicate names and unknown fields', () => {
    const text = `artifacts:\n${entry({})}\n${entry({ dest: 'other' })}\n${entry({ name: 'z', dest: 'z', sha265: 'x' })}\n`;
    const msgs = problems(text).map((p) => p.message);
    expect(msgs).toContain("artifact 'a' is listed twice");
    expect(msgs).toContain("unknown artifact field 'sha265'");
  });
});
