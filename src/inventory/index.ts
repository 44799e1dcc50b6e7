import { resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { Inventory } from './inventory.js';
import { InventoryData } from './model.js';
import { loadSources } from './sources.js';
import { VarsFiles } from './vars-files.js';

export { Inventory } from './inventory.js';
export { connectionSettings, CONNECTION_VARS, type ConnectionSettings } from './connection.js';

/**
 * Load inventories (INI or YAML files, folders of them, `a,b,` host lists) with the
 * group_vars/ and host_vars/ next to each and next to the playbook. Every problem is returned.
 */
export async function loadInventory(
  paths: string[],
  opts: { playbookDir?: string } = {},
): Promise<{ inventory: Inventory; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const data = new InventoryData();
  const varDirs = loadSources(paths, data, diagnostics);
  data.reconcile();
  if (opts.playbookDir) varDirs.push(resolve(opts.playbookDir));
  const files = new VarsFiles(diagnostics);
  const inventory = new Inventory(data, varDirs, files);
  // read every vars file now, so their problems are reported with the inventory's
  for (const dir of varDirs) {
    for (const g of data.groups.keys()) files.layer(dir, 'group_vars', g);
    for (const h of [...data.hosts.keys(), 'localhost']) files.layer(dir, 'host_vars', h);
  }
  return { inventory, diagnostics };
}
