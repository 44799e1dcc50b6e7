/**
 * Bench hosts: N real OpenSSH servers on 127.0.0.2, 127.0.0.3, ... (one loopback address
 * each, so every host is a distinct name and address), with one known_hosts file for all.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

export interface BenchHost {
  /** Inventory name, e.g. h02 for 127.0.0.2. */
  name: string;
  sshd: TestSshd;
}

export interface BenchHosts {
  hosts: BenchHost[];
  /** known_hosts with every host's key: used by rack, Ansible and the floor alike. */
  knownHosts: string;
  stop(): Promise<void>;
}

/** Start `count` sshd servers in parallel; if one fails to start, the others are stopped. */
export async function startBenchHosts(count: number, workDir: string): Promise<BenchHosts> {
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
  const started = await Promise.allSettled(addresses.map((host) => startSshd({ host })));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const knownHosts = join(workDir, 'known_hosts');
  writeFileSync(knownHosts, servers.map((s) => s.knownHostsLine).join('\n') + '\n');
  const hosts = servers.map((sshd) => ({ name: `h${sshd.host.split('.')[3].padStart(2, '0')}`, sshd }));
  return { hosts, knownHosts, stop };
}

/** The same inventory in Ansible's YAML shape (rack reads it too). */
export function yamlInventory(b: BenchHosts, vars: Record<string, string>): string {
  const lines = ['all:', '  vars:'];
  for (const [k, v] of Object.entries(vars)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  lines.push('  children:', '    bench:', '      hosts:');
  for (const h of b.hosts) {
    lines.push(
      `        ${h.name}:`,
      `          ansible_host: ${h.sshd.host}`,
      `          ansible_port: ${h.sshd.port}`,
      `          ansible_ssh_private_key_file: ${h.sshd.keyFile}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The same inventory as Ansible INI. */
export function iniInventory(b: BenchHosts, vars: Record<string, string>): string {
  const lines = ['[bench]'];
  for (const h of b.hosts) {
    lines.push(`${h.name} ansible_host=${h.sshd.host} ansible_port=${h.sshd.port} ansible_ssh_private_key_file=${h.sshd.keyFile}`);
  }
  lines.push('', '[all:vars]');
  for (const [k, v] of Object.entries(vars)) lines.push(`${k}=${JSON.stringify(v)}`);
  return lines.join('\n') + '\n';
}
