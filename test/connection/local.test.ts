import { afterAll, describe, expect, it } from 'vitest';
import { connectLocal } from '../../src/connection/local.js';
import { connect } from '../../src/connection/index.js';

const conn = connectLocal('control');
afterAll(() => conn.close());

describe('local connection (persistent sh with framing)', () => {
  it('keeps exact exit codes and split output', async () => {
    for (const rc of [0, 1, 42, 255]) {
      const r = await conn.exec(`echo out-${rc}; echo err-${rc} >&2; exit ${rc}`);
      expect(r.rc).toBe(rc);
      expect(r.stdout.toString()).toBe(`out-${rc}\n`);
      expect(r.stderr.toString()).toBe(`err-${rc}\n`);
    }
  });

  it('survives syntax errors and exit, and does not leak cwd or variables', async () => {
    const bad = await conn.exec('if then fi (');
    expect(bad.rc).not.toBe(0);
    expect(bad.stderr.toString()).toMatch(/syntax/i);
    await conn.exec('cd /tmp && X=1 && export Y=2 && exit 3');
    const r = await conn.exec('pwd; echo "x=${X-unset} y=${Y-unset}"');
    expect(r.stdout.toString()).not.toBe('/tmp\n');
    expect(r.stdout.toString()).toContain('x=unset y=unset');
  });

  it('round-trips binary stdin to stdout and reads files', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = await conn.exec('cat', { stdin: Buffer.concat([all, all]) });
    expect(r.stdout.equals(Buffer.concat([all, all]))).toBe(true);
    expect((await conn.get('/proc/self/status')).toString()).toContain('Name:');
  });

  it('connect() picks local for connection: local', async () => {
    const c = await connect({
      name: 'ctl',
      connection: 'local',
      address: 'localhost',
      port: 22,
      knownHostsFiles: [],
      trustNewHosts: false,
      connectTimeoutMs: 1000,
    });
    const r = await c.exec('echo "$V"', { env: { V: 'it is me' } });
    expect(r.stdout.toString()).toBe('it is me\n');
    await c.close();
  });

  it('fails with UnreachableError once the shell is gone', async () => {
    const c = connectLocal('doomed');
    await c.exec('true');
    // Kill the persistent shell itself ($$ is the persistent shell even inside the subshell).
    await c.exec('kill -KILL $$').catch(() => undefined);
    await expect(c.exec('true')).rejects.toMatchObject({ name: 'UnreachableError', host: 'doomed' });
    await c.close();
  });
});
