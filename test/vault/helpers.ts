import { Readable, Writable } from 'node:stream';
import type { VaultIo } from '../../src/cli/vault.js';

export interface CapturedIo extends VaultIo {
  out(): string;
  err(): string;
}

function sink(chunks: string[]): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
}

/** In-memory stdio for the CLI entry points; stdin is not a TTY, so nothing can prompt. */
export function captureIo(env: NodeJS.ProcessEnv, stdin = ''): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdin: Readable.from(stdin ? [Buffer.from(stdin)] : []),
    stdout: sink(out),
    stderr: sink(err),
    env,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
