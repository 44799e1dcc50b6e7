import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { lazyScope, renderTemplateText } from '../../../src/template/index.js';

export const ROLES = resolve(import.meta.dirname, '../../../roles');

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
export const isRoot = process.getuid?.() === 0;
export const HAVE = {
  vtysh: has('vtysh'),
  nft: has('nft'),
  wgQuick: has('wg-quick') && isRoot,
  wireguardGo: has('wireguard-go') && has('wg') && isRoot,
  unshare: has('unshare'),
};

/** Render roles/ROLE/templates/FILE with the role's defaults under `vars` (the host's view). */
export function renderRoleTemplate(role: string, file: string, vars: Record<string, unknown>): string {
  const defaults = (parse(readFileSync(join(ROLES, role, 'defaults/main.yml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const text = readFileSync(join(ROLES, role, 'templates', file), 'utf8');
  return renderTemplateText(text, lazyScope([defaults, vars]), { file: `roles/${role}/templates/${file}`, line: 1, col: 1 });
}

/** Host vars of an inventory as the executor shows them to one host (hostvars, groups, own vars). */
export function hostView(hosts: Record<string, Record<string, unknown>>, groups: Record<string, string[]>, host: string, extra: Record<string, unknown> = {}) {
  return { ...hosts[host], ...extra, inventory_hostname: host, hostvars: hosts, groups: { all: Object.keys(hosts), ...groups } };
}

export interface ToolRun {
  rc: number;
  out: string;
}

/** Write `text` to a temp file named `name` and run `argv` with %s replaced by its path. */
export function checkWith(text: string, name: string, argv: string[], timeoutMs = 60_000): ToolRun {
  const dir = mkdtempSync(join(tmpdir(), 'rack-net-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    const r = spawnSync(argv[0], argv.slice(1).map((a) => a.replace('%s', path)), { encoding: 'utf8', timeout: timeoutMs });
    return { rc: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** FRR's own checker (vtysh parses the whole file; bgpd --dryrun exits 0 even on errors). */
export const frrCheck = (conf: string): ToolRun => checkWith(conf, 'frr.conf', ['vtysh', '--dryrun', '--inputfile', '%s']);

/** `nft -c` inside a network namespace of its own (unshare), so nothing of the host is touched. */
export const nftCheck = (conf: string): ToolRun =>
  checkWith(conf, 'nftables.conf', isRoot ? ['unshare', '--net', 'nft', '-c', '-f', '%s'] : ['unshare', '--net', '--map-root-user', 'nft', '-c', '-f', '%s']);

const WG_LOAD = `set -u
IF=$1; CONF=$2
WG_PROCESS_FOREGROUND=1 wireguard-go "$IF" >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -f /var/run/wireguard/$IF.sock' EXIT
i=0; while [ ! -S /var/run/wireguard/$IF.sock ] && [ $i -lt 300 ]; do i=$((i+1)); sleep 0.1; done
wg-quick strip "$CONF" > "$CONF.stripped" || exit 4
wg setconf "$IF" "$CONF.stripped" || exit 3
wg showconf "$IF"
`;

/**
 * Load a wg-quick config into a real (userspace) WireGuard interface inside a fresh network
 * namespace: wg's own parser checks keys, endpoints and AllowedIPs. The namespace and the
 * wireguard-go process die with the command.
 */
export function wgLoad(conf: string): ToolRun {
  const dir = mkdtempSync(join(tmpdir(), 'rack-wg-'));
  try {
    writeFileSync(join(dir, 'load.sh'), WG_LOAD);
    writeFileSync(join(dir, 'wg0.conf'), conf, { mode: 0o600 });
    const ifname = `rkwg${process.pid % 100000}`;
    const r = spawnSync('unshare', ['--net', 'sh', join(dir, 'load.sh'), ifname, join(dir, 'wg0.conf')], { encoding: 'utf8', timeout: 60_000 });
    return { rc: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
