import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/executor/events.js';
import { emptyCounts } from '../../src/executor/events.js';
import { palette } from '../../src/ui/color.js';
import { jsonRenderer } from '../../src/ui/json.js';
import { liveRenderer } from '../../src/ui/live.js';
import { plainRenderer } from '../../src/ui/plain.js';
import { unifiedDiff } from '../../src/ui/diff.js';
import { registerSecret } from '../../src/commands/secret.js';

const ref = { file: 'site.yml', line: 7, col: 7 };
const events: RunEvent[] = [
  { event: 'play', name: 'p1', hosts: ['a', 'b'] },
  { event: 'task_start', host: 'a', task: 't1' },
  { event: 'task', host: 'a', task: 't1', status: 'changed', ms: 3, ref },
  { event: 'task', host: 'b', task: 't1', status: 'failed', ms: 4, ref, rc: 3, msg: 'boom', stderr: 'l1\nl2\nlast line' },
  { event: 'play', name: 'p2', hosts: ['a'] },
  { event: 'task', host: 'a', task: 't2', status: 'ok', ms: 1, ref },
  { event: 'recap', hosts: { a: { ...emptyCounts(), ok: 1, changed: 1 }, b: { ...emptyCounts(), failed: 1 } }, ms: 1234 },
];

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  return { out, text: () => text };
}

describe('renderers', () => {
  it('plain: a line per result, failure details with file:line, rc and the end of stderr, the recap', async () => {
    const c = capture();
    const r = plainRenderer({ out: c.out, palette: palette(false), verbosity: 0, diff: false });
    for (const e of events) r.handle(e);
    await r.end();
    expect(c.text()).toContain('a | changed | t1 (3 ms)');
    expect(c.text()).toMatch(/b \| FAILED \| t1[\s\S]*task: site.yml:7:7[\s\S]*msg: boom[\s\S]*rc: 3[\s\S]*last line/);
    expect(c.text()).toMatch(/PLAY RECAP[\s\S]*a +: ok=1 +changed=1[\s\S]*time: 1.2 s/);
  });

  it('live: every play list finishes (no hang) and the recap follows, across several plays', async () => {
    const c = capture();
    const r = liveRenderer({ out: c.out, palette: palette(false), verbosity: 0, diff: false });
    for (const e of events) r.handle(e);
    await r.end();
    expect(c.text()).toContain('PLAY [p1]');
    expect(c.text()).toContain('PLAY [p2]');
    expect(c.text()).toMatch(/b \| FAILED \| t1[\s\S]*PLAY RECAP/);
  });

  it('json: one object per line with the position, secrets masked', async () => {
    registerSecret('hunter2-secret');
    const c = capture();
    const r = jsonRenderer(c.out);
    r.handle({ event: 'task', host: 'a', task: 't', status: 'ok', ms: 1, ref, stdout: 'pw=hunter2-secret' });
    await r.end();
    const line = JSON.parse(c.text());
    expect(line).toMatchObject({ event: 'task', file: 'site.yml', line: 7, col: 7, stdout: 'pw=********' });
  });

  it('unified diff: removals before additions, with context and hunk headers', () => {
    const d = unifiedDiff({ path: '/etc/x', before: 'a\nb\nc\nd\n', after: 'a\nB\nc\nd\ne\n' });
    expect(d).toBe('--- before: /etc/x\n+++ after: /etc/x\n@@ -1,4 +1,5 @@\n a\n-b\n+B\n c\n d\n+e\n');
  });
});

describe('secret masking', () => {
  it('masks a secret also in the forms templates turn it into', async () => {
    const { maskSecrets } = await import('../../src/commands/secret.js');
    registerSecret('sw0rd"with\\quote');
    expect(maskSecrets('a sw0rd"with\\quote b')).toBe('a ******** b');
    expect(maskSecrets('{"pw":"sw0rd\\"with\\\\quote"}')).toBe('{"pw":"********"}');
    expect(maskSecrets('SW0RD"WITH\\QUOTE')).toBe('********');
    expect(maskSecrets(Buffer.from('sw0rd"with\\quote').toString('base64'))).toBe('********');
  });
});
