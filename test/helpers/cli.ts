import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** `rack ...` through main() with the plain renderer (CI=1, no colour): exit code and both streams. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) => ({ write: (s: string | Buffer) => (add(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, {
    stdin: new PassThrough(),
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: { CI: '1', NO_COLOR: '1', ...env },
  });
  return { code, stdout, stderr };
}
