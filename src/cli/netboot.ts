// `rack netboot`: the netboot service in the foreground. Lines on stderr; --json: one event per line on stdout.
import os from 'node:os';
import path from 'node:path';
import { RackError, diag, formatDiagnostic } from '../errors.js';
import { profilesFromHosts } from '../netboot/profiles.js';
import { startNetboot, type NetbootService } from '../netboot/service.js';
import type { NetbootEvent } from '../netboot/events.js';

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
  tftpRoot?: string;
  imagesDir: string;
  discover: boolean;
  json: boolean;
  range?: { first: string; last: string };
}

const USAGE = 'usage: rack netboot [-i INV]... [--interface IF] [--mode proxy|authoritative] [--http-port N] [--tftp-root DIR] [--images DIR] [--range FIRST-LAST] [--discover] [--json]';

function parseArgs(argv: string[]): Args {
  const a: Args = { inventories: [], mode: 'proxy', httpPort: 8080, imagesDir: 'images', discover: false, json: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new RackError(diag('E_USAGE', `${flag} needs a value`, undefined, USAGE));
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    switch (f) {
      case '-i': case '--inventory': a.inventories.push(value(i++, f)); break;
      case '--interface': a.iface = value(i++, f); break;
      case '--mode': {
        const m = value(i++, f);
        if (m !== 'proxy' && m !== 'authoritative') throw new RackError(diag('E_USAGE', `--mode must be proxy or authoritative, not '${m}'`));
        a.mode = m;
        break;
      }
      case '--http-port': {
        const n = Number(value(i++, f));
        if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RackError(diag('E_USAGE', `--http-port: '${argv[i]}' is not a port`));
        a.httpPort = n;
        break;
      }
      case '--tftp-root': a.tftpRoot = value(i++, f); break;
      case '--images': a.imagesDir = value(i++, f); break;
      case '--range': {
        const m = /^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.exec(value(i++, f));
        if (!m) throw new RackError(diag('E_USAGE', '--range must look like 10.0.0.100-10.0.0.199'));
        a.range = { first: m[1], last: m[2] };
        break;
      }
      case '--discover': a.discover = true; break;
      case '--json': a.json = true; break;
      default: throw new RackError(diag('E_USAGE', `unknown option '${f}'`, undefined, USAGE));
    }
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
    const args = parseArgs(argv);
    const hosts = await deps.loadHosts(args.inventories);
    const imagesDir = path.resolve(args.imagesDir);
    const profiles = profilesFromHosts(hosts, imagesDir);
    const nic = pickInterface(args.iface);
    service = await startNetboot({
      profiles, imagesDir, tftpRoot: args.tftpRoot, serverIp: nic.address, subnetMask: nic.netmask,
      mode: args.mode, discover: args.discover, range: args.range, ports: { http: args.httpPort },
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
