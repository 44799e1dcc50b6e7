import { loadInventory } from '../inventory/index.js';
import { RackError } from '../errors.js';

/** Inventory hosts as plain records: what the netboot service's boot profiles are made from. */
export async function loadHostRecords(paths: string[]): Promise<Array<{ name: string; vars: Record<string, unknown> }>> {
  const { inventory, diagnostics } = await loadInventory(paths.length ? paths : ['inventory/lab.yml']);
  if (diagnostics.length) throw new RackError(diagnostics);
  return inventory.hostNames().map((name) => ({ name, vars: inventory.hostVars(name) }));
}
