import { diag, didYouMean, fail, type Diagnostic, type SourceRef } from '../errors.js';
import { Host, type Group, type InventoryData, type VarLayer } from './model.js';
import { evaluatePattern, LOCALHOST_NAMES, PatternError, splitPattern } from './patterns.js';
import type { VarsFiles } from './vars-files.js';

/**
 * Hosts, groups and their merged variables. Variable precedence, lowest first (as Ansible):
 * 1. `all` vars in the inventory file; 2. other groups' vars in the inventory file, parents
 * before children (by depth, then ansible_group_priority, then name); 3. group_vars/all next to
 * the inventory, then next to the playbook; 4. group_vars/GROUP next to the inventory, then next
 * to the playbook (same group order); 5. host vars in the inventory file; 6. host_vars/HOST next
 * to the inventory, then next to the playbook.
 */
export class Inventory {
  private readonly merged = new Map<string, { vars: Record<string, unknown>; layers: VarLayer[] }>();
  private readonly implicit = new Map<string, Host>();
  private depthCache?: Map<Group, number>;

  constructor(
    private readonly data: InventoryData,
    private readonly varDirs: string[],
    private readonly files: VarsFiles,
  ) {}

  /** Hosts in the order they were first defined. */
  hostNames(): string[] {
    return [...this.data.hosts.keys()];
  }

  groupNames(): string[] {
    return [...this.data.groups.keys()];
  }

  hasHost(name: string): boolean {
    return this.data.hosts.has(name);
  }

  /** Ansible's `group_names`: every group of the host (ancestors too) but `all`, sorted. */
  groupsOf(host: string): string[] {
    const h = this.data.hosts.get(host);
    if (!h) return [];
    return [...h.groups()].map((g) => g.name).filter((n) => n !== 'all').sort();
  }

  /** Ansible's `groups`: each group's hosts, descendants included. */
  groupsMap(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, g] of this.data.groups) out[name] = g.allHosts().map((h) => h.name);
    return out;
  }

  /** Direct hosts and child groups of a group (for listings). */
  group(name: string): { hosts: string[]; children: string[] } | undefined {
    const g = this.data.groups.get(name);
    return g && { hosts: g.hosts.map((h) => h.name), children: g.children.map((c) => c.name) };
  }

  /** Inventory-level variables of a host (see the class comment for the order). */
  hostVars(host: string): Record<string, unknown> {
    return { ...this.resolve(host).vars };
  }

  /** Where the winning value of a host variable was set. */
  varRef(host: string, name: string): SourceRef | undefined {
    const layers = this.resolve(host).layers;
    for (let i = layers.length - 1; i >= 0; i--) if (name in layers[i].vars) return layers[i].refs.get(name);
    return undefined;
  }

  /** Hosts a pattern selects, in Ansible's order. Unknown names select nothing. */
  selectHosts(pattern: string, ref?: SourceRef): string[] {
    try {
      return evaluatePattern(this.data, pattern, (n) => this.implicitHost(n)).map((h) => h.name);
    } catch (e) {
      if (e instanceof PatternError) fail('E_PATTERN', e.message, ref, e.hint);
      throw e;
    }
  }

  /** Problems with a pattern: errors for bad syntax, warnings for parts that match nothing. */
  checkPattern(pattern: string, ref?: SourceRef): Diagnostic[] {
    try {
      evaluatePattern(this.data, pattern, (n) => this.implicitHost(n));
    } catch (e) {
      if (e instanceof PatternError) return [diag('E_PATTERN', e.message, ref, e.hint)];
      throw e;
    }
    const out: Diagnostic[] = [];
    for (const part of splitPattern(pattern)) {
      const bare = part.replace(/^[!&]/, '');
      if (!bare || bare === 'all' || /[~*?[]/.test(bare)) continue;
      if (this.data.hosts.has(bare) || this.data.groups.has(bare) || LOCALHOST_NAMES.includes(bare)) continue;
      const hint = didYouMean(bare, [...this.data.groups.keys(), ...this.data.hosts.keys()]);
      out.push({ ...diag('W_PATTERN_UNMATCHED', `'${bare}' matches no host or group`, ref, hint), severity: 'warning' });
    }
    return out;
  }

  private implicitHost(name: string): Host {
    let h = this.implicit.get(name);
    if (!h) {
      h = new Host(name);
      h.implicit = true;
      h.own.vars.ansible_connection = 'local';
      this.implicit.set(name, h);
    }
    return h;
  }

  private resolve(name: string): { vars: Record<string, unknown>; layers: VarLayer[] } {
    let r = this.merged.get(name);
    if (r) return r;
    const host = this.data.hosts.get(name) ?? (LOCALHOST_NAMES.includes(name) ? this.implicitHost(name) : undefined);
    if (!host) return { vars: {}, layers: [] };
    const layers = this.layersOf(host);
    const vars: Record<string, unknown> = {};
    for (const l of layers) Object.assign(vars, l.vars);
    r = { vars, layers };
    this.merged.set(name, r);
    return r;
  }

  private layersOf(host: Host): VarLayer[] {
    this.depthCache ??= this.data.depths();
    const depth = this.depthCache;
    const groups = [...host.groups()]
      .filter((g) => g.name !== 'all')
      .sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const layers: Array<VarLayer | null> = [this.data.all.own, ...groups.map((g) => g.own)];
    for (const dir of this.varDirs) layers.push(this.files.layer(dir, 'group_vars', 'all'));
    for (const dir of this.varDirs) for (const g of groups) layers.push(this.files.layer(dir, 'group_vars', g.name));
    layers.push(host.own);
    for (const dir of this.varDirs) layers.push(this.files.layer(dir, 'host_vars', host.name));
    return layers.filter((l): l is VarLayer => l !== null);
  }
}
