import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkProject } from '../../src/project.js';

const root = fileURLToPath(new URL('../fixtures/broken/', import.meta.url));
const cases = readdirSync(root).sort();

interface Expected {
  code: string;
  line: number;
  col: number;
  file?: string;
}

describe('rack check on broken projects', () => {
  it('has at least 40 broken cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });
  it.each(cases)('%s', async (name) => {
    const dir = join(root, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expected[];
    const diagnostics = await checkProject([join(dir, 'site.yml')], { env: {} });
    const got = diagnostics.map((d) => ({ code: d.code, line: d.ref?.line, col: d.ref?.col, file: d.ref && relative(dir, d.ref.file) }));
    expect(got).toEqual(expected.map((e) => ({ code: e.code, line: e.line, col: e.col, file: e.file ?? 'site.yml' })));
    for (const d of diagnostics) {
      expect(d.message.length).toBeGreaterThan(5);
      expect(d.hint, `${d.code} has a hint`).toBeTruthy();
    }
  });
});
