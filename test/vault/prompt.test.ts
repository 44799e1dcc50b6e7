import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RackError } from '../../src/errors.js';
import { promptPassword } from '../../src/vault/index.js';

/** A stand-in terminal: records raw-mode switches so the test can see echo was off. */
function fakeTty(): PassThrough & { isTTY: boolean; setRawMode(on: boolean): void; modes: boolean[] } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(on: boolean): void; modes: boolean[] };
  s.isTTY = true;
  s.modes = [];
  s.setRawMode = (on: boolean) => void s.modes.push(on);
  return s;
}

describe('promptPassword', () => {
  it('reads a line in raw mode without echoing it, honouring backspace', async () => {
    const tty = fakeTty();
    const out = new PassThrough();
    const shown: string[] = [];
    out.on('data', (b) => shown.push(String(b)));
    const answer = promptPassword(tty, out, 'Vault password: ');
    tty.write('hunter3\u007f2\r');
    expect(await answer).toBe('hunter2');
    expect(tty.modes).toEqual([true, false]);
    expect(shown.join('')).toBe('Vault password: \n');
  });

  it('refuses to prompt when stdin is not a terminal', async () => {
    await expect(promptPassword(new PassThrough(), new PassThrough())).rejects.toBeInstanceOf(RackError);
  });
});
