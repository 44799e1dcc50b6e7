/**
 * rack against ansible-playbook on the same 10-task playbook and 10 real OpenSSH hosts,
 * plus a floor: one plain `ssh` connection per host running the same shell commands.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { run } from '../../src/api.js';
import { connect } from '../../src/connection/index.js';
import { gatherFacts } from '../../src/facts/index.js';
import type { RunEvent } from '../../src/executor/events.js';
import { sshdSkipReason } from '../helpers/sshd.js';
import { iniInventory, startBenchHosts, yamlInventory, type BenchHost, type BenchHosts } from './hosts.js';

const HOSTS = 10;
const ANSIBLE = '/usr/bin/ansible-playbook';
/** Tasks that change something on a fresh host (file, copy, template, lineinfile, shell, file, copy). */
const CHANGING_TASKS = 7;
const REPEAT = 3;

// Valid for both tools: no filters, only `{{ name }}` expressions, which Jinja2 and handlebars read alike.
const PLAYBOOK = `- name: bench
  hosts: bench
  gather_facts: true
  tasks:
    - name: who runs
      command: id -u
      register: whoami
      changed_when: false
    - name: host directory
      file:
        path: "{{ bench_root }}/{{ inventory_hostname }}"
        state: directory
        mode: "0755"
    - name: greeting
      copy:
        content: "hello from the bench\\n"
        dest: "{{ bench_root }}/{{ inventory_hostname }}/hello.txt"
        mode: "0644"
    - name: motd
      template:
        src: motd.j2
        dest: "{{ bench_root }}/{{ inventory_hostname }}/motd"
        mode: "0644"
    - name: config line
      lineinfile:
        path: "{{ bench_root }}/{{ inventory_hostname }}/app.conf"
        line: "listen=8080"
        create: true
        mode: "0644"
    - name: look at the greeting
      stat:
        path: "{{ bench_root }}/{{ inventory_hostname }}/hello.txt"
      register: greeting
    - name: greeting is there and we are root
      assert:
        that:
          - greeting.stat.exists
          - whoami.stdout == '0'
    - name: marker
      shell:
        cmd: echo done > marker
        chdir: "{{ bench_root }}/{{ inventory_hostname }}"
        creates: marker
    - name: data directory
      file:
        path: "{{ bench_root }}/{{ inventory_hostname }}/data"
        state: directory
        mode: "0700"
    - name: answer
      copy:
        content: "42\\n"
        dest: "{{ bench_root }}/{{ inventory_hostname }}/data/answer"
        mode: "0600"
`;
const TEMPLATE = 'host {{ inventory_hostname }}\n';

/** The floor's shell text for one host: what the playbook does, minus any tool. */
function floorScript(dir: string, name: string): string {
  return `set -e
uname -a >/dev/null; cat /etc/os-release /proc/cpuinfo /proc/meminfo /proc/mounts >/dev/null; ip -o addr >/dev/null
id -u >/dev/null
mkdir -p ${dir} && chmod 0755 ${dir}
printf 'hello from the bench\\n' > ${dir}/.hello.tmp && chmod 0644 ${dir}/.hello.tmp && mv ${dir}/.hello.tmp ${dir}/hello.txt
printf 'host ${name}\\n' > ${dir}/.motd.tmp && chmod 0644 ${dir}/.motd.tmp && mv ${dir}/.motd.tmp ${dir}/motd
grep -qxF 'listen=8080' ${dir}/app.conf 2>/dev/null || { echo 'listen=8080' >> ${dir}/app.conf; chmod 0644 ${dir}/app.conf; }
stat ${dir}/hello.txt >/dev/null
test -e ${dir}/hello.txt && test "$(id -u)" = 0
cd ${dir} && { [ -e marker ] || echo done > marker; }
mkdir -p ${dir}/data && chmod 0700 ${dir}/data
printf '42\\n' > ${dir}/data/.answer.tmp && chmod 0600 ${dir}/data/.answer.tmp && mv ${dir}/data/.answer.tmp ${dir}/data/answer
`;
}

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

/** Path, mode and content hash of every file under the hosts' directories: what a run left behind. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      const mode = (st.mode & 0o777).toString(8);
      if (st.isDirectory()) {
        out.push(`${relative(root, p)}/ ${mode}`);
        walk(p);
      } else out.push(`${relative(root, p)} ${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 12)}`);
    }
  };
  walk(root);
  return out;
}

function resetHostDirs(root: string): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
}

/** Per-host changed counts must all equal `expected`, or the comparison is not a real one. */
function expectChanged(tool: string, label: string, changed: Record<string, number>, hosts: BenchHost[], expected: number): void {
  const wrong = hosts.filter((h) => changed[h.name] !== expected);
  if (wrong.length) throw new Error(`${tool} ${label}: expected ${expected} changed per host, got ${wrong.map((h) => `${h.name}=${changed[h.name]}`).join(' ')}`);
}

interface Project {
  dir: string;
  hostsRoot: string;
  playbook: string;
  yamlInv: string;
  iniInv: string;
}

function writeProject(work: string, b: BenchHosts): Project {
  const dir = join(work, 'project');
  mkdirSync(join(dir, 'templates'), { recursive: true });
  const hostsRoot = join(work, 'hosts');
  const vars = { ansible_user: 'root', ansible_ssh_common_args: `-o UserKnownHostsFile=${b.knownHosts}`, bench_root: hostsRoot };
  const playbook = join(dir, 'site.yml');
  writeFileSync(playbook, PLAYBOOK);
  writeFileSync(join(dir, 'templates', 'motd.j2'), TEMPLATE);
  const yamlInv = join(dir, 'inventory.yml');
  writeFileSync(yamlInv, yamlInventory(b, vars));
  const iniInv = join(dir, 'inventory.ini');
  writeFileSync(iniInv, iniInventory(b, { ...vars, ansible_python_interpreter: '/usr/bin/python3' }));
  return { dir, hostsRoot, playbook, yamlInv, iniInv };
}

interface RackRun {
  ms: number;
  changed: Record<string, number>;
  events: RunEvent[];
}

async function runRack(p: Project): Promise<RackRun> {
  const events: RunEvent[] = [];
  const { ms, value } = await timed(() =>
    run({ playbook: p.playbook, inventories: [p.yamlInv], forks: 50, stateFile: join(p.dir, '.rack', 'resume.json'), emit: (e) => events.push(e) }),
  );
  if (value.exitCode !== 0) {
    const failed = events.find((e) => e.event === 'task' && (e.status === 'failed' || e.status === 'unreachable'));
    throw new Error(`rack exited ${value.exitCode}: ${failed ? JSON.stringify(failed).slice(0, 600) : 'no failed task event'}`);
  }
  return { ms, changed: Object.fromEntries(Object.entries(value.hosts).map(([h, c]) => [h, c.changed])), events };
}

/** Slowest host per task, in playbook order: where a rack run spends its time. */
function taskProfile(events: RunEvent[]): string {
  const slowest = new Map<string, number>();
  for (const e of events) if (e.event === 'task') slowest.set(e.task, Math.max(slowest.get(e.task) ?? 0, e.ms));
  return [...slowest].map(([task, ms]) => `${task} ${ms}`).join(', ');
}

function ansibleEnv(p: Project, controlDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_FORKS: '10',
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_HOME: join(p.dir, '.ansible'),
    ANSIBLE_LOCAL_TEMP: join(p.dir, '.ansible', 'tmp'),
    ANSIBLE_REMOTE_TEMP: join(p.dir, '.ansible', 'remote-tmp'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
  };
}

/** ansible-playbook's recap lines: `h02 : ok=11 changed=7 unreachable=0 failed=0 ...`. */
function ansibleRecap(stdout: string): Record<string, { changed: number; failed: number; unreachable: number }> {
  const out: Record<string, { changed: number; failed: number; unreachable: number }> = {};
  for (const m of stdout.matchAll(/^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    out[m[1]] = { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) };
  }
  return out;
}

/** Ansible keeps ControlPersist masters alive after a run: close them so each run starts cold and nothing lingers. */
async function closeControlMasters(controlDir: string): Promise<void> {
  if (!existsSync(controlDir)) return;
  await Promise.all(
    readdirSync(controlDir).map((sock) => runChild('ssh', ['-F', '/dev/null', '-o', `ControlPath=${join(controlDir, sock)}`, '-O', 'exit', 'bench-master']).catch(() => undefined)),
  );
}

async function runAnsible(p: Project, label: string): Promise<{ ms: number; changed: Record<string, number> }> {
  const controlDir = mkdtempSync(join(tmpdir(), 'rack-bench-cp-'));
  try {
    const { ms, value } = await timed(() => runChild(ANSIBLE, ['-i', p.iniInv, '-f', '10', p.playbook], { cwd: p.dir, env: ansibleEnv(p, controlDir) }));
    const recap = ansibleRecap(value.stdout);
    if (value.code !== 0 || Object.keys(recap).length === 0) {
      throw new Error(`ansible-playbook (${label}) exited ${value.code}:\n${(value.stdout + value.stderr).slice(-2000)}`);
    }
    return { ms, changed: Object.fromEntries(Object.entries(recap).map(([h, r]) => [h, r.changed])) };
  } finally {
    await closeControlMasters(controlDir);
    rmSync(controlDir, { recursive: true, force: true });
  }
}

function sshArgs(h: BenchHost, knownHosts: string, kex?: string): string[] {
  return [
    '-F', '/dev/null',
    ...(kex ? ['-o', `KexAlgorithms=${kex}`] : []),
    '-o', 'BatchMode=yes',
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-i', h.sshd.keyFile,
    '-p', String(h.sshd.port),
    `root@${h.sshd.host}`,
  ];
}

/**
 * One plain OpenSSH connection per host, in parallel, all commands fed to `sh -s` on stdin.
 * `kex` picks the key exchange: OpenSSH's default (a post-quantum hybrid) costs more CPU than
 * the curve25519 exchange rack's SSH library negotiates.
 */
async function runFloor(b: BenchHosts, hostsRoot: string, kex?: string): Promise<number> {
  resetHostDirs(hostsRoot);
  const { ms, value } = await timed(() =>
    Promise.all(b.hosts.map((h) => runChild('ssh', [...sshArgs(h, b.knownHosts, kex), 'sh', '-s'], { stdin: floorScript(join(hostsRoot, h.name), h.name) }))),
  );
  const bad = value.find((c) => c.code !== 0);
  if (bad) throw new Error(`floor script failed (exit ${bad.code}): ${bad.stderr.slice(-500)}`);
  return ms;
}

/** rack's own connection to one host: setup, the first command, one facts round trip, then 100 sequential `true`. */
async function connectionOverhead(b: BenchHosts): Promise<{ connectMs: number; firstMs: number; factsMs: number; perCommandMs: number }> {
  const h = b.hosts[0];
  const t0 = performance.now();
  const conn = await connect({
    name: h.name,
    connection: 'ssh',
    address: h.sshd.host,
    port: h.sshd.port,
    user: 'root',
    keyFile: h.sshd.keyFile,
    knownHostsFiles: [b.knownHosts],
    trustNewHosts: false,
    connectTimeoutMs: 30_000,
  });
  try {
    const connectMs = performance.now() - t0;
    const first = await timed(() => conn.exec('true'));
    const facts = await timed(() => gatherFacts(conn));
    const loop = await timed(async () => {
      for (let i = 0; i < 100; i++) {
        const r = await conn.exec('true');
        if (r.rc !== 0) throw new Error(`'true' exited ${r.rc}`);
      }
    });
    return { connectMs, firstMs: first.ms, factsMs: facts.ms, perCommandMs: loop.ms / 100 };
  } finally {
    await conn.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const x = (r: number): string => `${r.toFixed(1)}x`;

/** Why this bench cannot run here, or undefined when it can. */
export function ansibleBenchSkipReason(): string | undefined {
  return sshdSkipReason() ?? (existsSync(ANSIBLE) ? undefined : `${ANSIBLE} is missing (apt-get install ansible)`);
}

export async function benchAnsible(log: (line: string) => void): Promise<void> {
  const skip = ansibleBenchSkipReason();
  if (skip) {
    log(`ansible: skipped: ${skip}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'rack-bench-ansible-'));
  let hosts: BenchHosts | undefined;
  try {
    hosts = await startBenchHosts(HOSTS, work);
    const b = hosts;
    const p = writeProject(work, b);
    log(`ansible: ${HOSTS} OpenSSH hosts on 127.0.0.2-${1 + HOSTS}, playbook of 10 tasks with gather_facts`);

    // rack and the floor take seconds: the median of REPEAT rounds damps a loaded machine's noise.
    const rackRounds: Array<{ first: RackRun; again: RackRun }> = [];
    for (let i = 0; i < REPEAT; i++) {
      resetHostDirs(p.hostsRoot);
      const first = await runRack(p);
      expectChanged('rack', 'first run', first.changed, b.hosts, CHANGING_TASKS);
      const again = await runRack(p);
      expectChanged('rack', 're-run', again.changed, b.hosts, 0);
      rackRounds.push({ first, again });
    }
    const rackFiles = snapshot(p.hostsRoot);
    const rackFirst = median(rackRounds.map((r) => r.first.ms));
    const rackAgain = median(rackRounds.map((r) => r.again.ms));

    resetHostDirs(p.hostsRoot);
    const ansFirst = await runAnsible(p, 'first run');
    expectChanged('ansible-playbook', 'first run', ansFirst.changed, b.hosts, CHANGING_TASKS);
    const ansAgain = await runAnsible(p, 're-run');
    expectChanged('ansible-playbook', 're-run', ansAgain.changed, b.hosts, 0);
    const ansibleFiles = snapshot(p.hostsRoot);

    const floorDefault: number[] = [];
    const floorCurve: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      floorDefault.push(await runFloor(b, p.hostsRoot));
      floorCurve.push(await runFloor(b, p.hostsRoot, 'curve25519-sha256'));
    }
    const floorFiles = snapshot(p.hostsRoot);
    const floorMs = median(floorDefault);
    const floorCurveMs = median(floorCurve);

    for (const [tool, files] of [['ansible-playbook', ansibleFiles], ['floor', floorFiles]] as const) {
      const diff = files.filter((f) => !rackFiles.includes(f)).concat(rackFiles.filter((f) => !files.includes(f)));
      if (diff.length) log(`ansible: WARNING: files left by rack and ${tool} differ: ${diff.slice(0, 6).join(', ')}`);
    }

    const row = (label: string, a: string, b2 = ''): void => log(`ansible:   ${label.padEnd(34)}${a.padStart(9)}  ${b2.padStart(9)}`);
    log(`ansible: changed per host: rack ${CHANGING_TASKS} then 0, ansible-playbook ${CHANGING_TASKS} then 0 (checked on all ${HOSTS} hosts); files left identical`);
    log(`ansible: rack and floor: median of ${REPEAT} rounds; ansible-playbook: one round (pipelining, forks 10, host key checking on)`);
    row('', 'first run', 're-run');
    row('rack', s(rackFirst), s(rackAgain));
    row('ansible-playbook', s(ansFirst.ms), s(ansAgain.ms));
    row('floor: ssh, OpenSSH default kex', s(floorMs));
    row('floor: ssh, curve25519 kex', s(floorCurveMs));
    row('ansible / rack (target >= 15x)', x(ansFirst.ms / rackFirst), x(ansAgain.ms / rackAgain));
    row('rack / floor (target <= 1.5x)', x(rackFirst / floorMs), x(rackAgain / floorMs));
    row('rack / curve25519 floor', x(rackFirst / floorCurveMs), x(rackAgain / floorCurveMs));
    const mid = rackRounds[Math.floor(REPEAT / 2)];
    log(`ansible: rack slowest host per task, ms (first run): ${taskProfile(mid.first.events)}`);
    log(`ansible: rack slowest host per task, ms (re-run): ${taskProfile(mid.again.events)}`);

    const o = await connectionOverhead(b);
    log(
      `ansible: rack ssh, one host: connect ${o.connectMs.toFixed(0)} ms, first command (opens the shell channel) ${o.firstMs.toFixed(0)} ms, ` +
        `facts ${o.factsMs.toFixed(0)} ms, then per command ${o.perCommandMs.toFixed(2)} ms (100 sequential 'true')`,
    );
  } finally {
    await hosts?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAnsible((l) => console.log(l));
