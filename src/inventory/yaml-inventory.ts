import { diag, didYouMean, type Diagnostic, type SourceRef } from '../errors.js';
import { keyRefOf, refOf, valueRefOf } from '../source/positions.js';
import { setVar, type Group, type InventoryData } from './model.js';
import { expandHostPattern, RangeError_ } from './ranges.js';

const SECTIONS = ['hosts', 'children', 'vars'];

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

const kindOf = (v: unknown): string => (Array.isArray(v) ? 'a list' : v === null ? 'empty' : `a ${typeof v}`);

/** Load a YAML inventory (`all:` / `hosts:` / `children:` / `vars:`) already parsed with positions. */
export function parseYamlInventory(value: unknown, file: string, data: InventoryData): Diagnostic[] {
  const out: Diagnostic[] = [];
  const top: SourceRef = refOf(value) ?? { file, line: 1, col: 1 };
  if (value === null || value === undefined) {
    out.push(diag('E_INVENTORY_SHAPE', 'the YAML inventory is empty', top, 'start with `all:` and list hosts under `hosts:`'));
    return out;
  }
  if (!isMapping(value)) {
    out.push(diag('E_INVENTORY_SHAPE', `a YAML inventory is a mapping of groups, not ${kindOf(value)}`, top, 'start with `all:`'));
    return out;
  }
  if ('plugin' in value) {
    out.push(diag('E_INVENTORY_SHAPE', 'inventory plugin configurations are not supported', keyRefOf(value, 'plugin'),
      'list hosts and groups directly under `all:`'));
    return out;
  }
  for (const [name, body] of Object.entries(value)) parseGroup(name, body, value, data, out);
  return out;
}

function parseGroup(
  name: string,
  body: unknown,
  parent: Record<string, unknown>,
  data: InventoryData,
  out: Diagnostic[],
): Group | undefined {
  const nameRef = keyRefOf(parent, name);
  if (body !== null && !isMapping(body)) {
    out.push(diag('E_INVENTORY_SHAPE', `group '${name}' must be a mapping with hosts/children/vars, not ${kindOf(body)}`,
      valueRefOf(parent, name),
      SECTIONS.includes(name) ? `'${name}:' belongs inside a group, e.g. under 'all:'` : `list the group's hosts under '${name}:' as 'hosts:' with one 'name:' per line`));
    return undefined;
  }
  const group = data.addGroup(name, nameRef);
  if (body === null) return group;
  for (const [key, raw] of Object.entries(body)) {
    const keyRef = keyRefOf(body, key);
    if (!SECTIONS.includes(key)) {
      out.push(diag('E_INVENTORY_SHAPE', `unknown key '${key}' in group '${name}'`, keyRef,
        didYouMean(key, SECTIONS) ?? 'a group has only hosts:, children: and vars:; put variables under vars:'));
      continue;
    }
    const section = typeof raw === 'string' ? { [raw]: null } : raw;
    if (section === null) continue;
    if (!isMapping(section)) {
      out.push(diag('E_INVENTORY_SHAPE', `'${key}' of group '${name}' must be a mapping, not ${kindOf(section)}`, valueRefOf(body, key),
        key === 'vars' ? 'write name: value pairs' : `write each entry as a key ending in ':' (e.g. "${key === 'hosts' ? 'web1' : 'web'}:")`));
      continue;
    }
    const refFor = (k: string): SourceRef | undefined => (section === raw ? keyRefOf(section, k) : keyRef);
    if (key === 'vars') for (const [k, v] of Object.entries(section)) data.setGroupVar(group, k, v, refFor(k));
    else if (key === 'children')
      for (const [sub, subBody] of Object.entries(section)) {
        const child = section === raw ? parseGroup(sub, subBody, section, data, out) : data.addGroup(sub, keyRef);
        if (child && !data.addChildGroup(group, child))
          out.push(diag('E_INVENTORY_CYCLE', `making '${sub}' a child of '${name}' creates a cycle`, refFor(sub),
            'a group cannot contain itself, directly or through its children'));
      }
    else for (const [pattern, hostVars] of Object.entries(section)) addHosts(pattern, hostVars, section, refFor(pattern), group, data, out);
  }
  return group;
}

function addHosts(
  pattern: string,
  vars: unknown,
  section: Record<string, unknown>,
  ref: SourceRef | undefined,
  group: Group,
  data: InventoryData,
  out: Diagnostic[],
): void {
  if (vars !== null && !isMapping(vars)) {
    out.push(diag('E_INVENTORY_SHAPE', `variables of host '${pattern}' must be a mapping, not ${kindOf(vars)}`, valueRefOf(section, pattern),
      'write host variables as name: value pairs under the host'));
    return;
  }
  let expanded: { names: string[]; port?: number };
  try {
    expanded = expandHostPattern(pattern);
  } catch (e) {
    if (!(e instanceof RangeError_)) throw e;
    out.push(diag('E_INVENTORY_RANGE', e.message, ref, 'ranges are written [01:10], [a:f] or [0:20:2]'));
    return;
  }
  for (const name of expanded.names) {
    const h = data.addHost(name, group, expanded.port, ref);
    if (vars) for (const [k, v] of Object.entries(vars)) setVar(h.own, k, v, keyRefOf(vars, k));
  }
}
