// sshd dies on one node mid-run: the others finish, that node is unreachable (exit 4), and
// once sshd is back `resume` completes it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshBanner } from '../../src/lab/ssh.js';
import { nodeExec, requireLab, useLab, type LabHandle } from '../helpers/lab.js';
import { nodeOut, runCollect, until } from './support.js';

const skip = requireLab();
const NODES = ['node1', 'node2', 'node3'];
const VICTIM = 'node2';

/**
 * Stop the listener (so systemd does not restart it), then end every sshd process that holds
 * a port-22 socket, found by socket rather than by name: the run's own session dies too.
 */
const KILL_SSHD = `systemctl stop ssh.socket ssh.service 2>/dev/null || true
for pid in $(ss -Htnap 'sport = :22' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do kill -9 "$pid"; done
! ss -Htln 'sport = :22' | grep -q .`;

describe.skipIf(skip)('an unreachable node on the virtual rack', () => {
  let lab: LabHandle;
  const tmp = mkdtempSync(join(tmpdir(), 'rack-engine-unreach-'));
  const playbook = join(tmp, 'play.yml');
  const stateFile = join(tmp, '.rack/resume.json');
  const run = (resume = false) => runCollect({ playbook, inventories: [lab.inventoryPath], stateFile, resume });

  beforeAll(async () => {
    lab = await useLab({ nodes: 3 });
    await Promise.all(NODES.map((n) => nodeOut(n, 'rm -f /run/rack-long-started /run/rack-after')));
    writeFileSync(
      playbook,
      `- hosts: lab
  gather_facts: false
  tasks:
    - name: long task
      shell: touch /run/rack-long-started; sleep 12
    - name: after
      copy:
        content: "done\\n"
        dest: /run/rack-after
`,
    );
  });
  afterAll(async () => {
    await nodeExec(VICTIM, 'systemctl start ssh.service').catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    await lab?.release();
  });

  it('the other nodes finish, the node without sshd is unreachable, exit 4', async () => {
    const running = run();
    await until(`the long task to start on ${VICTIM}`, 120_000, async () =>
      (await nodeExec(VICTIM, 'test -e /run/rack-long-started')).rc === 0 ? true : undefined,
    );
    await nodeOut(VICTIM, KILL_SSHD);
    const r = await running;
    expect(r.exitCode).toBe(4);
    expect(r.recap.hosts[VICTIM].unreachable).toBe(1);
    expect(r.tasks.find((t) => t.host === VICTIM && t.task === 'long task')?.status).toBe('unreachable');
    for (const n of ['node1', 'node3']) {
      expect(r.recap.hosts[n]).toMatchObject({ failed: 0, unreachable: 0, changed: 2 });
      expect(await nodeOut(n, 'cat /run/rack-after')).toBe('done');
    }
    expect((await nodeExec(VICTIM, 'test -e /run/rack-after')).rc).not.toBe(0);
  });

  it('after sshd is back, resume completes the unreachable node only', async () => {
    await nodeOut(VICTIM, 'systemctl start ssh.service');
    await until(`${VICTIM}'s sshd`, 60_000, async () => ((await sshBanner('10.88.0.12')) ? true : undefined), 500);
    const r = await run(true);
    expect(r.exitCode).toBe(0);
    expect([...new Set(r.tasks.map((t) => t.host))]).toEqual([VICTIM]); // the others are not touched again
    expect(r.tasks.filter((t) => t.host === VICTIM).map((t) => [t.task, t.status])).toEqual([
      ['long task', 'changed'],
      ['after', 'changed'],
    ]);
    expect(await nodeOut(VICTIM, 'cat /run/rack-after')).toBe('done');
  });
});
