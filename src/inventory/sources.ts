import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { diag, type Diagnostic } from '../errors.js';
import { parseYaml } from '../source/yaml.js';
import { parseIni } from './ini.js';
import type { InventoryData } from './model.js';
import { parseAddress } from './ranges.js';
import { isMapping, parseYamlInventory } from './yaml-inventory.js';

/** Names skipped when a folder is the inventory (the same list Ansible skips). */
const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const IGNORED_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];
const YAML_EXTS = ['.yml', '.yaml', '.json'];

/**
 * Parse every -i source into `data`. Returns the folders whose group_vars/ and host_vars/
 * belong to the inventory (a file's folder, or the folder given).
 */
export function loadSources(paths: string[], data: InventoryData, out: Diagnostic[]): string[] {
  const varDirs: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) {
      if (p.includes(',')) hostList(p, data);
      else out.push(diag('E_FILE_NOT_FOUND', `inventory '${p}' does not exist`, undefined, 'check the -i path (a file, a folder, or a comma-separated host list)'));
      continue;
    }
    if (statSync(abs).isDirectory()) {
      varDirs.push(abs);
      loadFolder(abs, data, out);
    } else {
      varDirs.push(dirname(abs));
      loadFile(abs, data, out);
    }
  }
  return varDirs;
}

/** `-i host1,host2:2222,` : hosts given on the command line. */
function hostList(list: string, data: InventoryData): void {
  data.currentSource = list;
  for (const piece of list.split(',')) {
    const text = piece.trim();
    if (!text) continue;
    const addr = parseAddress(text, false);
    const name = addr?.host ?? text;
    if (!data.hosts.has(name)) data.addHost(name, data.ungrouped, addr?.port);
  }
}

function loadFolder(dir: string, data: InventoryData, out: Diagnostic[]): void {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (IGNORED_NAMES.test(name)) continue;
    if (IGNORED_EXTS.some((e) => name.endsWith(e))) {
      if (name.endsWith('.ini'))
        out.push({ ...diag('W_INVENTORY_IGNORED', `${name} is ignored: like Ansible, rack skips .ini files inside an inventory folder`,
          { file: full, line: 1, col: 1 }, 'rename it without the extension, or pass it with its own -i'), severity: 'warning' });
      continue;
    }
    if (statSync(full).isDirectory()) loadFolder(full, data, out);
    else loadFile(full, data, out);
  }
}

function loadFile(file: string, data: InventoryData, out: Diagnostic[]): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    out.push(diag('E_FILE_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, undefined, 'check the path and permissions'));
    return;
  }
  data.currentSource = file;
  const ext = extname(file);
  if (YAML_EXTS.includes(ext)) {
    const y = parseYaml(text, file);
    if (y.diagnostics.length) out.push(...y.diagnostics);
    else out.push(...parseYamlInventory(y.value, file, data));
    return;
  }
  if (!ext) {
    // no extension: YAML when it reads as a YAML mapping, INI otherwise (as Ansible tries them)
    const y = parseYaml(text, file);
    if (!y.diagnostics.length && isMapping(y.value) && !('plugin' in y.value)) {
      out.push(...parseYamlInventory(y.value, file, data));
      return;
    }
  }
  out.push(...parseIni(text, file, data));
}
