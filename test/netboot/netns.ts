// Network namespaces for netboot tests: a server namespace and a client namespace joined by a veth
// pair on 10.77.<n>.0/24. Everything is created by the test and removed in cleanup().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const isRoot = process.getuid?.() === 0;
export const have = (tool: string): boolean => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(path.join(d, tool)));
export const repoRoot = path.resolve(import.meta.dirname, '../..');

export function sh(cmd: string, args: string[], opts: { input?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface NsPair {
  server: string; // namespace names
  client: string;
  serverIp: string;
  clientIp: string;
  clientMac: string;
  serverIf: string;
  clientIf: string;
  exec(ns: string, cmd: string[]): string;
  cleanup(): void;
}

export function makePair(tag: string, subnet: number, opts: { clientAddress?: boolean; clientMac?: string } = {}): NsPair {
  const server = `rk-nb-${tag}-s`;
  const client = `rk-nb-${tag}-c`;
  const serverIf = 'nbs0';
  const clientIf = 'nbc0';
  const serverIp = `10.77.${subnet}.1`;
  const clientIp = `10.77.${subnet}.2`;
  const clientMac = opts.clientMac ?? `02:77:00:00:${subnet.toString(16).padStart(2, '0')}:02`;
  for (const ns of [server, client]) {
    try { sh('ip', ['netns', 'del', ns]); } catch { /* leftover from a killed run, or absent */ }
    sh('ip', ['netns', 'add', ns]);
  }
  sh('ip', ['-n', server, 'link', 'add', serverIf, 'type', 'veth', 'peer', 'name', clientIf, 'netns', client]);
  sh('ip', ['-n', client, 'link', 'set', clientIf, 'address', clientMac]);
  sh('ip', ['-n', server, 'addr', 'add', `${serverIp}/24`, 'dev', serverIf]);
  if (opts.clientAddress !== false) sh('ip', ['-n', client, 'addr', 'add', `${clientIp}/24`, 'dev', clientIf]);
  for (const [ns, dev] of [[server, serverIf], [client, clientIf]]) {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  return {
    server, client, serverIp, clientIp, clientMac, serverIf, clientIf,
    exec: (ns, cmd) => sh('ip', ['netns', 'exec', ns, ...cmd]),
    cleanup: () => {
      for (const ns of [server, client]) {
        try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
      }
    },
  };
}

export interface Served {
  proc: ChildProcess;
  events: Array<Record<string, unknown>>;
  stderr: string[];
  waitFor(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

/** `rack netboot` in a namespace, via test/fixtures/netboot/serve.ts, with --json events parsed. */
export function serveInNs(ns: string, hostsFile: string, args: string[]): Served {
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  const proc = spawn('ip', ['netns', 'exec', ns, tsx, path.join(repoRoot, 'test/fixtures/netboot/serve.ts'), hostsFile, '--', '--json', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { events.push(JSON.parse(line)); } catch { /* not an event */ }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc, events, stderr,
    async waitFor(pred, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        if (proc.exitCode !== null) throw new Error(`netboot exited ${proc.exitCode}: ${stderr.join('')}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for an event; stderr: ${stderr.join('').slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.pid) {
        try { process.kill(proc.pid, 'SIGINT'); } catch { /* gone */ }
        const t = setTimeout(() => { try { process.kill(proc.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
        const code = await exited;
        clearTimeout(t);
        return code;
      }
      return proc.exitCode;
    },
  };
}

export interface LanMember {
  ns: string; // namespace name
  ifName: string; // its interface on the LAN
  mac: string;
  ip?: string; // undefined: the member starts without an IPv4 address (a booting machine)
}

export interface Lan {
  bridgeNs: string;
  members: Record<string, LanMember>;
  cleanup(): void;
}

/**
 * One broadcast domain on 10.77.<subnet>.0/24: a bridge in its own namespace and one namespace per
 * member, each joined to the bridge by a veth pair. `members` maps a short name (its namespace is
 * `rk-nb-<tag>-<name>`) to its MAC and host number (`null`: no address).
 */
export function makeLan(tag: string, subnet: number, members: Record<string, { mac: string; host: number | null }>): Lan {
  const bridgeNs = `rk-nb-${tag}-br`;
  const out: Record<string, LanMember> = {};
  const all = [bridgeNs, ...Object.keys(members).map((m) => `rk-nb-${tag}-${m}`)];
  const cleanup = () => {
    for (const ns of all) {
      try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
  };
  cleanup(); // leftovers from a killed run
  try {
    sh('ip', ['netns', 'add', bridgeNs]);
    sh('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    sh('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    let k = 0;
    for (const [name, m] of Object.entries(members)) {
      const ns = `rk-nb-${tag}-${name}`;
      const port = `p${k++}`;
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['-n', bridgeNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', ns]);
      sh('ip', ['-n', bridgeNs, 'link', 'set', port, 'master', 'br0']);
      sh('ip', ['-n', bridgeNs, 'link', 'set', port, 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lan0', 'address', m.mac]);
      const ip = m.host === null ? undefined : `10.77.${subnet}.${m.host}`;
      if (ip) sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'lan0']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lan0', 'up']);
      out[name] = { ns, ifName: 'lan0', mac: m.mac, ip };
    }
  } catch (err) {
    cleanup();
    throw err;
  }
  return { bridgeNs, members: out, cleanup };
}

/** Stops a child this test started (by its PID) and waits until it has exited. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  try { process.kill(child.pid, 'SIGTERM'); } catch { /* already gone */ }
  await gone;
}
