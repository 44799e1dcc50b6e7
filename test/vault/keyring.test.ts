import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rackErrorOf } from '../helpers/diag.js';
import { encryptText, makeKeyring } from '../../src/vault/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rack-keyring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('makeKeyring', () => {
  const cipher = encryptText('v@lue', 'kr-pass');

  it('asks the prompt lazily and only once', async () => {
    let asked = 0;
    const kr = makeKeyring({ env: {}, prompt: async () => (asked++, 'kr-pass') });
    expect(asked).toBe(0);
    expect(await kr.decrypt(cipher)).toBe('v@lue');
    expect(await kr.decrypt(encryptText('second', 'kr-pass'))).toBe('second');
    expect(asked).toBe(1);
  });

  it('prefers the password file, then RACK_VAULT_PASSWORD, then the prompt', async () => {
    const file = join(dir, 'pw.txt');
    writeFileSync(file, '  kr-pass \n');
    const never = async (): Promise<string> => {
      throw new Error('prompt must not be used');
    };
    expect(await makeKeyring({ passwordFile: file, env: { RACK_VAULT_PASSWORD: 'other' }, prompt: never }).decrypt(cipher)).toBe('v@lue');
    expect(await makeKeyring({ env: { RACK_VAULT_PASSWORD: 'kr-pass' }, prompt: never }).decrypt(cipher)).toBe('v@lue');
  });

  it('runs an executable password file and uses its output', async () => {
    const script = join(dir, 'pw.sh');
    writeFileSync(script, '#!/bin/sh\necho kr-pass\n');
    chmodSync(script, 0o700);
    expect(await makeKeyring({ passwordFile: script }).decrypt(cipher)).toBe('v@lue');
    const failing = join(dir, 'fail.sh');
    writeFileSync(failing, '#!/bin/sh\necho locked >&2\nexit 3\n');
    chmodSync(failing, 0o700);
    const e = await rackErrorOf(makeKeyring({ passwordFile: failing }).decrypt(cipher));
    expect(e.diagnostics[0].code).toBe('E_VAULT_PASSWORD_FILE');
    expect(e.message).toContain('status 3: locked');
  });

  it('fails with a hint when no password source exists', async () => {
    const e = await rackErrorOf(makeKeyring({ env: {} }).decrypt(cipher));
    expect(e.diagnostics[0].code).toBe('E_VAULT_NO_PASSWORD');
    expect(e.diagnostics[0].hint).toMatch(/--vault-password-file.*RACK_VAULT_PASSWORD/);
  });

  it('places a wrong-password error at the vaulted value', async () => {
    const ref = { file: 'group_vars/all.yml', line: 4, col: 9 };
    const e = await rackErrorOf(makeKeyring({ env: { RACK_VAULT_PASSWORD: 'nope' } }).decrypt(cipher, ref));
    expect(e.diagnostics[0].code).toBe('E_VAULT_PASSWORD');
    expect(e.diagnostics[0].ref).toEqual(ref);
  });

  it('never quotes the password file in a diagnostic', async () => {
    const file = join(dir, 'empty.txt');
    writeFileSync(file, '\n');
    const e = await rackErrorOf(makeKeyring({ passwordFile: file }).decrypt(cipher));
    expect(e.diagnostics[0].code).toBe('E_VAULT_PASSWORD_FILE');
    expect(e.diagnostics[0].ref).toBeUndefined();
  });
});
