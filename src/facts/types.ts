/** Facts gathered from a host in one round trip; exposed as `facts.*` and `ansible_facts.*`. */
export interface Facts {
  os_family?: string; // 'Debian'
  distribution?: string; // 'debian', 'raspbian', 'ubuntu'
  distribution_version?: string;
  distribution_release?: string; // 'bookworm'
  kernel?: string;
  architecture?: string; // 'x86_64', 'aarch64'
  hostname?: string;
  fqdn?: string;
  processor_count?: number;
  memtotal_mb?: number;
  interfaces?: Record<string, { mac?: string; ipv4?: string[]; ipv6?: string[]; mtu?: number; up?: boolean }>;
  default_ipv4?: { interface?: string; gateway?: string; address?: string };
  devices?: Record<string, { size_bytes: number; model?: string; removable?: boolean; partitions?: string[] }>;
  mounts?: Array<{ device: string; mount: string; fstype: string; options: string }>;
  service_mgr?: string; // 'systemd'
  pkg_mgr?: string; // 'apt'
  boot_id?: string;
  virtualization?: string;
  pi?: { model: string; serial: string; revision?: string; eeprom_boot_order?: string };
  [key: string]: unknown;
}
