import { networkInterfaces } from 'node:os';
import { profilesFromHosts } from '../netboot/profiles.js';
import { startNetboot, waitForBoots } from '../netboot/service.js';
import type { RunContext } from './context.js';
import type { TaskResult } from './result.js';

/** The interface's IPv4 address and netmask: where the netboot service answers. */
function addressOf(iface: string): { address: string; netmask: string } | undefined {
  const found = networkInterfaces()[iface]?.find((a) => a.family === 'IPv4');
  return found ? { address: found.address, netmask: found.netmask } : undefined;
}

/**
 * The `netboot` module: start the netboot service for the listed nodes, wait until each one
 * answers over SSH, stop the service. Nodes that already answer make it a no-op.
 */
export function attachNetboot(run: RunContext): void {
  const answers = async (name: string): Promise<boolean> => {
    try {
      const conn = await run.connect(name);
      return (await conn.exec('true', { timeoutMs: 10_000 })).rc === 0;
    } catch {
      await run.disconnect(name);
      return false;
    }
  };
  run.netboot = async (_t, args): Promise<TaskResult> => {
    const nodes = ((args.nodes as string[] | undefined) ?? run.playBatch).map(String);
    const up = await Promise.all(nodes.map(answers));
    const missing = nodes.filter((_, i) => !up[i]);
    if (missing.length === 0) return { changed: false, failed: false, msg: 'every node already answers over SSH' };
    if (run.opts.check) return { changed: true, failed: false, msg: `would netboot ${missing.join(', ')}` };
    const iface = String(args.interface ?? '');
    const addr = iface ? addressOf(iface) : undefined;
    const serverIp = String(args.server_ip ?? addr?.address ?? '');
    if (!serverIp) return { changed: false, failed: true, msg: `netboot needs interface (with an IPv4 address) or server_ip; '${iface}' has none` };
    const hosts = run.inventory.hostNames().map((name) => ({ name, vars: run.inventory.hostVars(name) }));
    const service = await startNetboot({
      profiles: profilesFromHosts(hosts, run.opts.imagesDir),
      imagesDir: run.opts.imagesDir,
      serverIp,
      subnetMask: String(args.netmask ?? addr?.netmask ?? '255.255.255.0'),
      mode: args.mode === 'authoritative' ? 'authoritative' : 'proxy',
      ports: args.http_port ? { http: Number(args.http_port) } : undefined,
    });
    try {
      await waitForBoots(missing, answers, { timeoutMs: Number(args.timeout ?? 1800) * 1000 });
    } catch (e) {
      return { changed: false, failed: true, msg: (e as Error).message };
    } finally {
      await service.stop();
    }
    return { changed: true, failed: false, msg: `netbooted ${missing.join(', ')}`, booted: missing };
  };
}
