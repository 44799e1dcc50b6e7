import { diag, didYouMean, type Diagnostic, type SourceRef } from '../errors.js';
import { setVar, type Group, type InventoryData } from './model.js';
import { iniValue } from './pylit.js';
import { expandHostPattern, RangeError_ } from './ranges.js';
import { splitWords } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
const KINDS = ['hosts', 'children', 'vars'];

interface Pending {
  kind: 'vars' | 'children';
  ref: SourceRef;
  parents: Array<{ group: string; ref: SourceRef }>;
}

/** Parse an Ansible INI inventory into `data`; every problem is returned, parsing goes on. */
export function parseIni(text: string, file: string, data: InventoryData): Diagnostic[] {
  const out: Diagnostic[] = [];
  const pending = new Map<string, Pending>();
  let group: Group = data.ungrouped;
  let kind = 'hosts';
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    const at = (offset = 0, len?: number): SourceRef => {
      const ref: SourceRef = { file, line: lineNo, col: indent + offset + 1 };
      if (len) {
        ref.endLine = lineNo;
        ref.endCol = ref.col + len;
      }
      return ref;
    };
    if (!line || line[0] === '#' || line[0] === ';') return;
    const sec = SECTION.exec(line);
    if (sec) {
      const name = sec[1];
      const state = sec[2] ?? 'hosts';
      if (!KINDS.includes(state)) {
        out.push(diag('E_INVENTORY_SYNTAX', `section [${name}:${state}] has unknown type '${state}'`, at(name.length + 2, state.length),
          didYouMean(state, KINDS) ?? 'a section is [group], [group:children] or [group:vars]'));
        kind = 'skip';
        return;
      }
      if (!data.groups.has(name) && state === 'vars' && !pending.has(name))
        pending.set(name, { kind: 'vars', ref: at(1, name.length), parents: [] });
      group = data.addGroup(name, state === 'vars' ? undefined : at(1, name.length));
      const p = pending.get(name);
      if (p && state !== 'vars') {
        if (p.kind === 'children') resolvePending(name, pending, data, out);
        else pending.delete(name);
      }
      kind = state;
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      out.push(diag('E_INVENTORY_SYNTAX', `invalid section header '${line}'`, at(0, line.length),
        'a section is [group], [group:children] or [group:vars], without spaces'));
      kind = 'skip';
      return;
    }
    if (kind === 'skip') return;
    if (kind === 'hosts') hostLine(line, at, group, data, out);
    else if (kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) {
        out.push(diag('E_INVENTORY_SYNTAX', `expected key=value in [${group.name}:vars], got '${line}'`, at(0, line.length),
          'group variables are written name=value'));
        return;
      }
      const key = line.slice(0, eq).trim();
      data.setGroupVar(group, key, iniValue(line.slice(eq + 1).trim()), at(0, key.length));
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) {
        out.push(diag('E_INVENTORY_SYNTAX', `expected a group name in [${group.name}:children], got '${line}'`, at(0, line.length),
          'list one group per line under [group:children]'));
        return;
      }
      const child = data.groups.get(m[1]);
      if (child) link(data, group, child, at(0, m[1].length), out);
      else {
        const p = pending.get(m[1]);
        if (p) p.parents.push({ group: group.name, ref: at(0, m[1].length) });
        else pending.set(m[1], { kind: 'children', ref: at(0, m[1].length), parents: [{ group: group.name, ref: at(0, m[1].length) }] });
      }
    }
  });
  for (const [name, p] of pending) {
    if (p.kind === 'vars')
      out.push(diag('E_INVENTORY_SYNTAX', `section [${name}:vars] is for a group that is never defined`, p.ref,
        didYouMean(name, [...data.groups.keys()].filter((g) => g !== name)) ?? `add a [${name}] section, or fix the name`));
    else {
      const last = p.parents[p.parents.length - 1];
      out.push(diag('E_INVENTORY_SYNTAX', `[${last.group}:children] includes undefined group '${name}'`, last.ref,
        didYouMean(name, [...data.groups.keys()]) ?? `define the group with a [${name}] section`));
    }
  }
  return out;
}

function resolvePending(name: string, pending: Map<string, Pending>, data: InventoryData, out: Diagnostic[]): void {
  const p = pending.get(name)!;
  pending.delete(name);
  for (const parent of p.parents) {
    link(data, data.groups.get(parent.group)!, data.groups.get(name)!, parent.ref, out);
    if (pending.get(parent.group)?.kind === 'children') resolvePending(parent.group, pending, data, out);
  }
}

function link(data: InventoryData, parent: Group, child: Group, ref: SourceRef, out: Diagnostic[]): void {
  if (!data.addChildGroup(parent, child))
    out.push(diag('E_INVENTORY_CYCLE', `making '${child.name}' a child of '${parent.name}' creates a cycle`, ref,
      'a group cannot contain itself, directly or through its children'));
}

function hostLine(
  line: string,
  at: (offset?: number, len?: number) => SourceRef,
  group: Group,
  data: InventoryData,
  out: Diagnostic[],
): void {
  let words;
  try {
    words = splitWords(line);
  } catch (e) {
    out.push(diag('E_INVENTORY_SYNTAX', `cannot split host line: ${(e as Error).message.toLowerCase()}`, at(0, line.length),
      'check the quotes on this line'));
    return;
  }
  if (!words.length) return;
  const [first, ...rest] = words;
  const hostRef = at(first.start, first.text.length);
  let expanded: { names: string[]; port?: number };
  try {
    expanded = expandHostPattern(first.text);
  } catch (e) {
    if (!(e instanceof RangeError_)) throw e;
    out.push(diag('E_INVENTORY_RANGE', e.message, hostRef, 'ranges are written [01:10], [a:f] or [0:20:2]'));
    return;
  }
  if (first.text.endsWith(':') && expanded.port === undefined) {
    out.push(diag('E_INVENTORY_SYNTAX', `host '${first.text}' ends with ':' but gives no port`, hostRef, 'write host:PORT, or remove the colon'));
    return;
  }
  if (expanded.names.includes('---')) {
    out.push(diag('E_INVENTORY_SYNTAX', "'---' in an INI inventory", hostRef, 'this looks like YAML: name the file .yml'));
    return;
  }
  const vars: Array<[string, unknown, SourceRef]> = [];
  for (const w of rest) {
    const eq = w.text.indexOf('=');
    if (eq < 0) {
      out.push(diag('E_INVENTORY_SYNTAX', `expected key=value after the host name, got '${w.text}'`, at(w.start, w.text.length),
        'host variables are written name=value; quote values with spaces'));
      return;
    }
    vars.push([w.text.slice(0, eq), iniValue(w.text.slice(eq + 1)), at(w.start, eq)]);
  }
  for (const name of expanded.names) {
    const h = data.addHost(name, group, expanded.port, hostRef);
    for (const [k, v, ref] of vars) setVar(h.own, k, v, ref);
  }
}
