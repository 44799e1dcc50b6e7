// The seam between the inventory and the protocol code: protocol code sees only BootProfile.
import { RackError, diag } from '../errors.js';

export type BootTarget = 'install' | 'local' | 'rescue';

export interface BootProfile {
  name: string;
  mac: string; // lowercase aa:bb:cc:dd:ee:ff
  /** Reserved address (authoritative mode). */
  address?: string;
  boot: BootTarget;
  piSerial?: string; // 8 lowercase hex digits
  arch?: string; // e.g. 'arm64', 'x86_64'
  /** Image folder under images/netboot/ holding kernel, initramfs, dtbs, firmware. */
  image?: string;
  /** Extra kernel command line. */
  cmdline?: string;
}

export interface ProfileSource {
  byMac(mac: string): BootProfile | undefined;
  bySerial?(serial: string): BootProfile | undefined;
  all(): BootProfile[];
}

export function normalizeMac(value: string): string | undefined {
  const hex = value.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12 || !/^[0-9a-f:.-]+$/i.test(value)) return undefined;
  return hex.match(/../g)!.join(':');
}

const BOOT_TARGETS: BootTarget[] = ['install', 'local', 'rescue'];

/** Builds profiles from plain host records (inventory vars); hosts without `mac` are not netbooted. */
export function profilesFromHosts(hosts: Array<{ name: string; vars: Record<string, unknown> }>, imagesDir: string): ProfileSource {
  const problems = [];
  const byMac = new Map<string, BootProfile>();
  for (const host of hosts) {
    const v = host.vars;
    if (v.mac === undefined) continue;
    const mac = normalizeMac(String(v.mac));
    if (!mac) {
      problems.push(diag('E_NETBOOT_MAC', `host ${host.name}: mac '${String(v.mac)}' is not a MAC address`, undefined, 'write it as aa:bb:cc:dd:ee:ff'));
      continue;
    }
    const boot = (v.boot ?? 'install') as BootTarget;
    if (!BOOT_TARGETS.includes(boot)) {
      problems.push(diag('E_NETBOOT_BOOT', `host ${host.name}: boot '${String(v.boot)}' is not one of ${BOOT_TARGETS.join(', ')}`));
      continue;
    }
    const dup = byMac.get(mac);
    if (dup) {
      problems.push(diag('E_NETBOOT_DUP_MAC', `hosts ${dup.name} and ${host.name} share mac ${mac}`));
      continue;
    }
    const p: BootProfile = { name: host.name, mac, boot };
    if (typeof v.ansible_host === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(v.ansible_host)) p.address = v.ansible_host;
    if (v.pi_serial !== undefined) p.piSerial = String(v.pi_serial).toLowerCase().replace(/^0x/, '').padStart(8, '0');
    if (typeof v.arch === 'string') p.arch = v.arch;
    if (typeof v.netboot_image === 'string') p.image = v.netboot_image;
    if (typeof v.netboot_cmdline === 'string') p.cmdline = v.netboot_cmdline;
    byMac.set(mac, p);
  }
  if (problems.length) throw new RackError(problems);
  void imagesDir; // images are resolved by trees.ts; kept in the signature so callers pass one place
  return staticProfiles([...byMac.values()]);
}

export function staticProfiles(list: BootProfile[]): ProfileSource {
  const byMac = new Map(list.map((p) => [p.mac, p]));
  const bySerial = new Map(list.filter((p) => p.piSerial).map((p) => [p.piSerial!, p]));
  return {
    byMac: (mac) => byMac.get(mac.toLowerCase()),
    bySerial: (serial) => bySerial.get(serial.toLowerCase()),
    all: () => [...byMac.values()],
  };
}
