// --check --diff on the virtual rack: a unified diff of a templated file with the vaulted
// secret masked, and --detailed-exitcode saying whether changes are pending.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptText, vaultStringYaml } from '../../src/vault/index.js';
import { nodeExec, requireLab, useLab, type LabHandle } from '../helpers/lab.js';
import { cli, nodeOut } from './support.js';

const skip = requireLab();
const NODES = ['node1', 'node2', 'node3'];
const PASSWORD = 'engine-test-vault-password';
const SECRET = 's3cret-Engine-Value-42';
const DEST = '/etc/rack-diff.conf';

describe.skipIf(skip)('--check --diff and --detailed-exitcode on the virtual rack', () => {
  let lab: LabHandle;
  const tmp = mkdtempSync(join(tmpdir(), 'rack-engine-diff-'));
  const env = { RACK_VAULT_PASSWORD: PASSWORD };
  const rack = (...more: string[]) => cli(['run', join(tmp, 'site.yml'), '-i', lab.inventoryPath, ...more], env);

  beforeAll(async () => {
    lab = await useLab({ nodes: 3 });
    cpSync(resolve('test/fixtures/engine/diff-check'), tmp, { recursive: true });
    writeFileSync(join(tmp, 'secret.yml'), vaultStringYaml(encryptText(SECRET, PASSWORD), 'service_password'));
    // node1 holds an older version (same secret, old port); the others have no file yet.
    await nodeOut('node1', `printf '# Managed by rack.\\nlisten = 80\\nuser = svc-node1\\npassword = ${SECRET}\\n' > ${DEST}`);
    await Promise.all(['node2', 'node3'].map((n) => nodeOut(n, `rm -f ${DEST}`)));
  });
  afterAll(async () => {
    await Promise.all(NODES.map((n) => nodeExec(n, `rm -f ${DEST}`).catch(() => undefined)));
    rmSync(tmp, { recursive: true, force: true });
    await lab?.release();
  });

  it('--check --diff prints a unified diff with the secret masked and changes nothing', async () => {
    const r = await rack('--check', '--diff');
    expect(r.code).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).not.toContain(SECRET);
    // node1: only the port line changes; the password line is context, masked.
    expect(r.stderr).toMatch(/--- before: \/etc\/rack-diff\.conf\n\+\+\+ after: \/etc\/rack-diff\.conf\n@@[^\n]*@@\n # Managed by rack\.\n-listen = 80\n\+listen = 8443\n user = svc-node1\n password = \*+\n/);
    // A new file: every line added, the secret masked.
    expect(r.stderr).toMatch(/\+user = svc-node2\n\+password = \*+\n/);
    expect(await nodeOut('node1', `grep listen ${DEST}`)).toBe('listen = 80');
    for (const n of ['node2', 'node3']) expect((await nodeExec(n, `test -e ${DEST}`)).rc).not.toBe(0);
  });

  it('--detailed-exitcode: 3 while changes are pending, 0 after a real run', async () => {
    expect((await rack('--check', '--detailed-exitcode')).code).toBe(3);
    const real = await rack();
    expect(real.code).toBe(0);
    expect(real.stdout + real.stderr).not.toContain(SECRET);
    for (const n of NODES) expect(await nodeOut(n, `cat ${DEST}`)).toBe(`# Managed by rack.\nlisten = 8443\nuser = svc-${n}\npassword = ${SECRET}`);
    expect((await rack('--check', '--detailed-exitcode')).code).toBe(0);
  });
});
