import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/errors.js';
import { checkProject, shippedPlaybooks, shippedRoles } from '../../src/project.js';

describe('rack check on everything shipped', () => {
  const files = [...shippedPlaybooks(), ...shippedRoles()];
  it.skipIf(files.length === 0)('playbooks/ and roles/ are clean', async () => {
    const ds = await checkProject(files, { env: {} });
    expect(ds.map((d) => formatDiagnostic(d))).toEqual([]);
  });
});
