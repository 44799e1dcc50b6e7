// `rack netboot`: the netboot service in the foreground. Lines on stderr; --json: one event per line on stdout.
import os from 'node:os';
import path from 'node:path';
import { RackError, diag, formatDiagnostic } from '../errors.js';
import { profilesFromHosts } from '../netboot/profiles.js';
import { startNetboot, type NetbootService } from '../netboot/service.js';
import type { NetbootEvent } from '../netboot/events.js';
import { helpText, parseArgs, usageError, type OptionSpecs, type Parsed } from './args.js';

export interface NetbootDeps {
  loadHosts(inventoryPaths: string[]): Promise<Array<{ name: string; vars: Record<string, unknown> }>>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Resolves when the user asks to stop (default: SIGINT/SIGTERM). */
  interrupted?: Promise<void>;
}

interface Args {
  inventories: string[];
  iface?: string;
  mode: 'proxy' | 'authoritative';
  httpPort: number;
  tftpThreads?: number;
  tftpRoot?: string;
  imagesDir: string;
  discover: boolean;
  json: boolean;
  range?: { first: string; last: string };
}

const USAGE = 'usage: rack netboot [-i INV]... [--interface IF] [--mode proxy|authoritative] [--http-port N] [--tftp-root DIR] [--images DIR] [--range FIRST-LAST] [--tftp-threads N] [--discover] [--json]';

const SPECS: OptionSpecs = {
  inventory: { kind: 'list', short: 'i', help: 'inventory file or folder (repeatable; default inventory)' },
  interface: { kind: 'string', help: 'network interface to serve on (default: the only non-loopback one)' },
  mode: { kind: 'string', help: 'proxy (beside an existing DHCP server, default) or authoritative' },
  'http-port': { kind: 'string', help: 'HTTP port (default 8080)' },
  'tftp-root': { kind: 'string', help: 'folder served over TFTP' },
  images: { kind: 'string', help: 'images folder (default images)' },
  range: { kind: 'string', help: 'authoritative mode: addresses to lease, FIRST-LAST' },
  'tftp-threads': { kind: 'string', help: 'threads sending TFTP data (default: one per core, at most 4; 0 sends from the main thread)' },
  discover: { kind: 'bool', help: 'report machines not in the inventory' },
  json: { kind: 'bool', help: 'one JSON event per line on stdout' },
  help: { kind: 'bool', short: 'h', help: 'show this help' },
};

function toArgs(positional: string[], opts: Parsed['opts']): Args {
  if (positional.length) throw usageError('netboot', `unexpected argument '${positional[0]}'`, USAGE);
  const a: Args = { inventories: (opts.inventory as string[] | undefined) ?? [], mode: 'proxy', httpPort: 8080, imagesDir: 'images', discover: !!opts.discover, json: !!opts.json };
  const str = (name: string) => opts[name] as string | undefined;
  a.iface = str('interface');
  a.tftpRoot = str('tftp-root');
  a.imagesDir = str('images') ?? a.imagesDir;
  const mode = str('mode');
  if (mode !== undefined) {
    if (mode !== 'proxy' && mode !== 'authoritative') throw usageError('netboot', `--mode must be proxy or authoritative, not '${mode}'`);
    a.mode = mode;
  }
  const port = str('http-port');
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw usageError('netboot', `--http-port: '${port}' is not a port`);
    a.httpPort = n;
  }
  const threads = str('tftp-threads');
  if (threads !== undefined) {
    const n = Number(threads);
    if (!Number.isInteger(n) || n < 0 || n > 64) throw usageError('netboot', `--tftp-threads: '${threads}' is not a number from 0 to 64`);
    a.tftpThreads = n;
  }
  const range = str('range');
  if (range !== undefined) {
    const m = /^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.exec(range);
    if (!m) throw usageError('netboot', '--range must look like 10.0.0.100-10.0.0.199');
    a.range = { first: m[1], last: m[2] };
  }
  if (a.inventories.length === 0) a.inventories.push('inventory');
  return a;
}

/** The IPv4 address and mask of --interface, or of the only non-loopback interface. */
function pickInterface(name: string | undefined): { name: string; address: string; netmask: string } {
  const all = Object.entries(os.networkInterfaces()).flatMap(([n, list]) => (list ?? []).filter((x) => x.family === 'IPv4').map((x) => ({ name: n, address: x.address, netmask: x.netmask, internal: x.internal })));
  const candidates = name ? all.filter((x) => x.name === name) : all.filter((x) => !x.internal);
  if (candidates.length === 1 || (name && candidates.length)) return candidates[0];
  const names = [...new Set(all.filter((x) => !x.internal).map((x) => x.name))].join(', ') || 'none';
  throw new RackError(diag('E_NETBOOT_INTERFACE', name ? `interface ${name} has no IPv4 address` : 'several network interfaces: choose one', undefined, `use --interface (candidates: ${names})`));
}

export function describeEvent(e: NetbootEvent): string | undefined {
  switch (e.type) {
    case 'listening': return `listening: ${e.proto} on ${e.address}:${e.port}`;
    case 'machine': return e.known
      ? `machine ${e.name} (${e.mac}) is a ${e.kind}${e.piSerial ? ` serial ${e.piSerial}` : ''}`
      : `new machine ${e.mac}: ${e.kind}${e.piSerial ? ` serial ${e.piSerial}` : ''}${e.vendorClass ? ` (${e.vendorClass})` : ''}; add it to the inventory to netboot it`;
    case 'dhcp': return `dhcp ${e.message} ${e.name ?? e.mac}${e.address ? ` ${e.address}` : ''}${e.bootFile ? ` boot ${e.bootFile}` : ''}`;
    case 'transfer-start': return `${e.proto} ${e.peer} <- ${e.file} (${e.size} bytes)`;
    case 'transfer-progress': return `${e.proto} ${e.peer} <- ${e.file} ${Math.round((100 * e.bytes) / Math.max(1, e.size))}%`;
    case 'transfer-done': return `${e.proto} ${e.peer} <- ${e.file} done, ${e.bytes} bytes in ${e.ms} ms`;
    case 'transfer-probe': return undefined; // the Pi's existence probes are routine
    case 'transfer-failed': return `${e.proto} ${e.peer} <- ${e.file} failed: ${e.reason}`;
    case 'file-missing': return `${e.proto} ${e.peer}: no ${e.file}`;
    case 'refused': return `${e.proto} ${e.peer}: refused ${e.file}: ${e.reason}`;
    case 'bad-packet': return undefined;
    case 'error': return `error: ${e.message}`;
  }
}

export async function netbootMain(argv: string[], deps: NetbootDeps): Promise<number> {
  let service: NetbootService | undefined;
  try {
    const { positional, opts } = parseArgs(argv, SPECS, 'netboot');
    if (opts.help) {
      deps.stdout.write(helpText(USAGE, SPECS));
      return 0;
    }
    const args = toArgs(positional, opts);
    const hosts = await deps.loadHosts(args.inventories);
    const imagesDir = path.resolve(args.imagesDir);
    const profiles = profilesFromHosts(hosts, imagesDir);
    const nic = pickInterface(args.iface);
    service = await startNetboot({
      profiles, imagesDir, tftpRoot: args.tftpRoot, serverIp: nic.address, subnetMask: nic.netmask,
      mode: args.mode, discover: args.discover, range: args.range, ports: { http: args.httpPort }, tftpThreads: args.tftpThreads,
      onEvent: (e: NetbootEvent) => {
        if (args.json) deps.stdout.write(JSON.stringify(e) + '\n');
        const line = describeEvent(e);
        if (line) deps.stderr.write(line + '\n');
      },
    });
    deps.stderr.write(`rack netboot: ${args.mode} mode on ${nic.name} (${nic.address}), ${profiles.all().length} machines; Ctrl-C stops\n`);
    const interrupted = deps.interrupted ?? new Promise<void>((r) => { process.once('SIGINT', () => r()); process.once('SIGTERM', () => r()); });
    const outcome = await Promise.race([interrupted.then(() => 'stop' as const), service.done.then(() => 'done' as const)]);
    await service.stop();
    return outcome === 'stop' ? 130 : 0;
  } catch (err) {
    await service?.stop();
    if (err instanceof RackError) {
      for (const d of err.diagnostics) deps.stderr.write(formatDiagnostic(d) + '\n');
      return 1;
    }
    deps.stderr.write(`rack netboot: ${(err as Error).message}\n`);
    return 1;
  }
}
