import { dirname } from 'node:path';
import type { SourceRef } from '../errors.js';

/** Variables with the place each one was set. */
export interface VarLayer {
  vars: Record<string, unknown>;
  refs: Map<string, SourceRef>;
}

export const emptyLayer = (): VarLayer => ({ vars: {}, refs: new Map() });

export function setVar(layer: VarLayer, key: string, value: unknown, ref?: SourceRef): void {
  layer.vars[key] = value;
  if (ref) layer.refs.set(key, ref);
  else layer.refs.delete(key);
}

export class Group {
  readonly own: VarLayer = emptyLayer();
  readonly children: Group[] = [];
  readonly parents: Group[] = [];
  readonly hosts: Host[] = [];
  priority = 1;
  constructor(
    readonly name: string,
    public ref?: SourceRef,
  ) {}

  ancestors(): Set<Group> {
    const seen = new Set<Group>();
    const walk = (g: Group): void => {
      for (const p of g.parents)
        if (!seen.has(p)) {
          seen.add(p);
          walk(p);
        }
    };
    walk(this);
    return seen;
  }

  /** This group and its descendants, level by level (the order hosts are listed in). */
  descendants(): Group[] {
    const ordered: Group[] = [this, ...this.children];
    const seen = new Set<Group>(ordered);
    let level: Group[] = ordered.slice();
    while (level.length) {
      const next: Group[] = [];
      for (const g of level)
        for (const c of g.children)
          if (!seen.has(c)) {
            seen.add(c);
            next.push(c);
            ordered.push(c);
          }
      level = next;
    }
    return ordered;
  }

  /** Hosts of this group and all its descendants, without duplicates. */
  allHosts(): Host[] {
    const out: Host[] = [];
    const seen = new Set<Host>();
    for (const g of this.descendants())
      for (const h of g.hosts)
        if (!seen.has(h)) {
          seen.add(h);
          out.push(h);
        }
    return out;
  }
}

export class Host {
  readonly own: VarLayer = emptyLayer();
  /** Groups the host was put in directly. */
  readonly direct: Group[] = [];
  implicit = false;
  constructor(
    readonly name: string,
    public ref?: SourceRef,
  ) {}

  /** Every group the host belongs to, ancestors included. */
  groups(): Set<Group> {
    const out = new Set<Group>();
    for (const g of this.direct) {
      out.add(g);
      for (const a of g.ancestors()) out.add(a);
    }
    return out;
  }
}

/** Hosts and groups as loaded, before variables are merged. */
export class InventoryData {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Host>();
  readonly all: Group;
  readonly ungrouped: Group;
  /** The file being parsed: hosts remember the first one they appeared in. */
  currentSource = '';

  constructor() {
    this.all = this.addGroup('all');
    this.ungrouped = this.addGroup('ungrouped');
    this.addChildGroup(this.all, this.ungrouped);
  }

  addGroup(name: string, ref?: SourceRef): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = new Group(name, ref);
      this.groups.set(name, g);
    } else if (!g.ref && ref) g.ref = ref;
    return g;
  }

  /** Adds the host (first definition wins for port and origin) and puts it in `group`. */
  addHost(name: string, group: Group | undefined, port?: number, ref?: SourceRef): Host {
    let h = this.hosts.get(name);
    if (!h) {
      h = new Host(name, ref);
      this.hosts.set(name, h);
      if (port !== undefined) setVar(h.own, 'ansible_port', port, ref);
      setVar(h.own, 'inventory_file', this.currentSource);
      setVar(h.own, 'inventory_dir', dirname(this.currentSource));
    }
    if (group && !group.hosts.includes(h)) {
      group.hosts.push(h);
      h.direct.push(group);
    }
    return h;
  }

  /** Returns false when the edge would create a cycle. */
  addChildGroup(parent: Group, child: Group): boolean {
    if (parent === child || parent.ancestors().has(child)) return false;
    if (!parent.children.includes(child)) {
      parent.children.push(child);
      if (!child.parents.some((p) => p.name === parent.name)) child.parents.push(parent);
    }
    return true;
  }

  setGroupVar(g: Group, key: string, value: unknown, ref?: SourceRef): void {
    if (key === 'ansible_group_priority') {
      const n = typeof value === 'number' ? value : parseInt(String(value), 10);
      if (Number.isFinite(n)) g.priority = Math.trunc(n);
      return;
    }
    setVar(g.own, key, value, ref);
  }

  /** After all sources: top groups join `all`, hosts in no group join `ungrouped`. */
  reconcile(): void {
    for (const g of this.groups.values())
      if (g !== this.all && g.ancestors().size === 0) this.addChildGroup(this.all, g);
    for (const h of this.hosts.values()) {
      const mine = h.groups();
      if (mine.has(this.ungrouped)) {
        if ([...mine].some((g) => g !== this.all && g !== this.ungrouped)) {
          this.ungrouped.hosts.splice(this.ungrouped.hosts.indexOf(h), 1);
          h.direct.splice(h.direct.indexOf(this.ungrouped), 1);
        }
      } else if (!h.implicit && [...mine].every((g) => g === this.all)) {
        this.ungrouped.hosts.push(h);
        h.direct.push(this.ungrouped);
      }
    }
  }

  /** Longest path from `all`: deeper groups' variables win over shallower ones. */
  depths(): Map<Group, number> {
    const depth = new Map<Group, number>();
    const visit = (g: Group, d: number): void => {
      if ((depth.get(g) ?? -1) >= d) return;
      depth.set(g, d);
      for (const c of g.children) visit(c, d + 1);
    };
    visit(this.all, 0);
    return depth;
  }
}
