import { diag, didYouMean, formatDiagnostic, RackError, type Diagnostic } from '../errors.js';
import { loadInventory, type Inventory } from '../inventory/index.js';
import { helpText, parseArgs, usageError, type OptionSpecs, type Parsed } from './args.js';

const USAGE = `usage: rack inventory -i INV [-i INV2] (--list | --graph [GROUP] | --host NAME) [--limit PATTERN] [--playbook-dir DIR]`;

/** Variables Ansible computes itself and leaves out of listings. */
const INTERNAL = new Set([
  'ansible_diff_mode', 'ansible_config_file', 'ansible_facts', 'ansible_forks', 'ansible_inventory_sources', 'ansible_limit',
  'ansible_playbook_python', 'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity', 'ansible_version', 'inventory_dir',
  'inventory_file', 'inventory_hostname', 'inventory_hostname_short', 'groups', 'group_names', 'omit', 'playbook_dir',
]);

const SPECS: OptionSpecs = {
  inventory: { kind: 'list', short: 'i', help: 'inventory file or folder (repeatable)' },
  list: { kind: 'bool', help: 'every group and host with its variables, as JSON' },
  graph: { kind: 'optional', help: 'the group tree below this group (default all)' },
  host: { kind: 'string', help: "one host's variables, as JSON" },
  limit: { kind: 'string', short: 'l', help: 'only these hosts (a host pattern)' },
  'playbook-dir': { kind: 'string', help: 'folder whose group_vars/ and host_vars/ also apply' },
  help: { kind: 'bool', short: 'h', help: 'show this help' },
};

interface Args {
  inventories: string[];
  mode: 'list' | 'graph' | 'host';
  graphGroup?: string;
  host?: string;
  limit?: string;
  playbookDir?: string;
}

function toArgs(positional: string[], opts: Parsed['opts']): Args {
  const usage = (msg: string): never => {
    throw usageError('inventory', msg, USAGE);
  };
  if (positional.length) usage(`unexpected argument '${positional[0]}'`);
  const modes = (['list', 'graph', 'host'] as const).filter((m) => opts[m] !== undefined && opts[m] !== false);
  if (modes.length !== 1) usage('choose one of --list, --graph and --host');
  const inventories = (opts.inventory as string[] | undefined) ?? [];
  if (!inventories.length) usage('give an inventory with -i');
  return {
    inventories,
    mode: modes[0],
    graphGroup: typeof opts.graph === 'string' ? opts.graph : undefined,
    host: opts.host as string | undefined,
    limit: opts.limit as string | undefined,
    playbookDir: opts['playbook-dir'] as string | undefined,
  };
}

/** Keys sorted at every level, as `ansible-inventory` prints them. */
function sortedJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sortKeys(value), null, 4);
}

function publicVars(inv: Inventory, host: string): Record<string, unknown> {
  const vars = inv.hostVars(host);
  for (const k of Object.keys(vars)) if (INTERNAL.has(k)) delete vars[k];
  return vars;
}

/** The shape of `ansible-inventory --list`: groups with hosts and children, and _meta.hostvars. */
export function listInventory(inv: Inventory, limit?: string): Record<string, unknown> {
  const selected = inv.selectHosts(limit ?? 'all');
  const available = new Set(selected);
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const g = inv.group(name)!;
    const entry: Record<string, string[]> = {};
    const hosts = g.hosts.filter((h) => available.has(h));
    if (name !== 'all' && hosts.length) entry.hosts = hosts;
    out[name] = entry;
    for (const c of g.children)
      if (!seen.has(c)) {
        format(c);
        seen.add(c);
      }
    if (g.children.length) entry.children = g.children;
    if (!Object.keys(entry).length) delete out[name];
  };
  format('all');
  const hostvars: Record<string, unknown> = {};
  for (const h of selected) {
    const vars = publicVars(inv, h);
    if (Object.keys(vars).length) hostvars[h] = vars;
  }
  out._meta = { hostvars };
  return out;
}

/** The tree of `ansible-inventory --graph`. */
export function graphInventory(inv: Inventory, group: string, limit?: string): string {
  const available = limit === undefined ? undefined : new Set(inv.selectHosts(limit));
  const lines: string[] = [];
  const name = (text: string, depth: number): string => (depth ? '  |'.repeat(depth) + '--' + text : text);
  const walk = (g: string, depth: number): void => {
    lines.push(name(`@${g}:`, depth));
    const info = inv.group(g)!;
    for (const c of info.children) walk(c, depth + 1);
    if (g !== 'all') for (const h of info.hosts) if (!available || available.has(h)) lines.push(name(h, depth + 1));
  };
  walk(group, 0);
  return lines.join('\n');
}

export async function inventoryMain(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const report = (ds: Diagnostic[]): void => {
    for (const d of ds) io.stderr.write(formatDiagnostic(d) + '\n');
  };
  try {
    const { positional, opts } = parseArgs(argv, SPECS, 'inventory');
    if (opts.help) {
      io.stdout.write(helpText(USAGE, SPECS));
      return 0;
    }
    const args = toArgs(positional, opts);
    const { inventory, diagnostics } = await loadInventory(args.inventories, { playbookDir: args.playbookDir });
    report(diagnostics);
    if (diagnostics.some((d) => (d.severity ?? 'error') === 'error')) return 1;
    let text: string;
    if (args.mode === 'list') text = sortedJson(listInventory(inventory, args.limit));
    else if (args.mode === 'graph') {
      const group = args.graphGroup ?? 'all';
      if (!inventory.group(group))
        throw new RackError(diag('E_UNKNOWN_GROUP', `no group named '${group}'`, undefined, didYouMean(group, inventory.groupNames()) ?? '--graph takes a group name'));
      text = graphInventory(inventory, group, args.limit);
    } else {
      const hosts = inventory.selectHosts(args.host!);
      const known = new Set(inventory.hostNames());
      if (hosts.length !== 1 || !known.has(hosts[0]))
        throw new RackError(diag('E_UNKNOWN_HOST', `'${args.host}' is not exactly one host of the inventory`, undefined,
          didYouMean(args.host!, inventory.hostNames()) ?? '--host takes one host name'));
      text = sortedJson(publicVars(inventory, hosts[0]));
    }
    io.stdout.write(text + '\n');
    return 0;
  } catch (e) {
    if (e instanceof RackError) {
      report(e.diagnostics);
      return 1;
    }
    throw e;
  }
}
