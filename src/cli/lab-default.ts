import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { labUp } from '../lab/index.js';
import type { Io } from './args.js';

/**
 * `npx rack run site.yml` with no -i runs on the virtual rack: bring it up first when the
 * default inventory is the lab's.
 */
export async function ensureLabFor(inventory: string, io: Io): Promise<void> {
  if (resolve(inventory) !== resolve('inventory', 'lab.yml')) return;
  const text = readFileSync(inventory, 'utf8');
  const nodes = new Set(text.match(/\bnode\d+\b/g) ?? []).size || 3;
  io.stderr.write(`rack: using the virtual rack (inventory/lab.yml, ${nodes} nodes); bringing it up if needed\n`);
  await labUp({ nodes });
}
