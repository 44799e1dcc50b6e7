import { maskSecrets } from '../commands/secret.js';
import type { RunEvent } from '../executor/events.js';
import type { Renderer } from './plain.js';

/** --json: one JSON object per line on stdout, secrets masked. */
export function jsonRenderer(out: NodeJS.WritableStream): Renderer {
  return {
    handle(e: RunEvent) {
      const { ref, ...rest } = e as RunEvent & { ref?: { file: string; line: number; col: number } };
      const line = ref ? { ...rest, file: ref.file, line: ref.line, col: ref.col } : rest;
      // Mask each string before quoting: a secret holding " or \\ would not be found afterwards.
      out.write(JSON.stringify(line, (_k, v: unknown) => (typeof v === 'string' ? maskSecrets(v) : v)) + '\n');
    },
    async end() {},
  };
}
