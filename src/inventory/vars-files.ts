import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { diag, type Diagnostic } from '../errors.js';
import { keyRefOf, refOf } from '../source/positions.js';
import { loadYamlFile } from '../source/yaml.js';
import { emptyLayer, setVar, type VarLayer } from './model.js';
import { isMapping } from './yaml-inventory.js';

const VAR_EXTS = ['', '.yml', '.yaml', '.json'];

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Files of a `NAME/` folder: sorted, recursive, hidden and backup files skipped. */
function folderFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = join(dir, name);
    const ext = extname(name);
    if (isDir(full)) {
      if (!ext) found.push(...folderFiles(full));
    } else if (!ext || VAR_EXTS.includes(ext)) found.push(full);
  }
  return found;
}

/** group_vars/ and host_vars/ files, each loaded once (with positions) and merged by name. */
export class VarsFiles {
  private readonly layers = new Map<string, VarLayer | null>();
  private readonly files = new Map<string, Record<string, unknown> | null>();
  constructor(private readonly out: Diagnostic[]) {}

  /** Variables for `name` from `dir/kind/` (NAME, NAME.yml, NAME.yaml, NAME.json or NAME/). */
  layer(dir: string, kind: 'group_vars' | 'host_vars', name: string): VarLayer | null {
    const key = `${dir}\0${kind}\0${name}`;
    if (!this.layers.has(key)) this.layers.set(key, this.build(join(dir, kind), name));
    return this.layers.get(key)!;
  }

  private build(varsDir: string, name: string): VarLayer | null {
    if (name.startsWith(sep) || !isDir(varsDir)) return null;
    const base = join(realpathSync(varsDir), name);
    let found: string[] = [];
    for (const ext of VAR_EXTS) {
      const full = base + ext;
      if (!existsSync(full)) continue;
      found = isDir(full) ? folderFiles(full) : [full];
      break;
    }
    if (!found.length) return null;
    const layer = emptyLayer();
    for (const f of found) {
      const vars = this.load(f);
      if (vars) for (const [k, v] of Object.entries(vars)) setVar(layer, k, v, keyRefOf(vars, k));
    }
    return layer;
  }

  private load(file: string): Record<string, unknown> | null {
    if (!this.files.has(file)) {
      const y = loadYamlFile(file);
      let vars: Record<string, unknown> | null = null;
      if (y.diagnostics.length) this.out.push(...y.diagnostics);
      else if (isMapping(y.value)) vars = y.value;
      else if (y.value !== null && y.value !== undefined)
        this.out.push(diag('E_INVENTORY_SHAPE', `a variables file holds a mapping of name: value, not ${Array.isArray(y.value) ? 'a list' : 'a ' + typeof y.value}`,
          refOf(y.value) ?? { file, line: 1, col: 1 }, 'write one name: value per line'));
      this.files.set(file, vars);
    }
    return this.files.get(file)!;
  }
}
