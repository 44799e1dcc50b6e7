import { readFileSync } from 'node:fs';
import { RackError } from '../errors.js';
import { parseYaml } from '../source/yaml.js';

/** -e values: `k=v k2=v2` (strings, as Ansible), JSON or YAML mappings, or @file. Later ones win. */
export function parseExtraVars(values: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of values) {
    if (v.startsWith('@')) {
      const file = v.slice(1);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new RackError({ code: 'E_FILE_NOT_FOUND', message: `-e ${v}: cannot read ${file}` });
      }
      const loaded = parseYaml(text, file);
      if (loaded.diagnostics.length) throw new RackError(loaded.diagnostics);
      Object.assign(out, mapping(loaded.value, v));
    } else if (/^\s*[{]/.test(v)) {
      const loaded = parseYaml(v, '<-e>');
      if (loaded.diagnostics.length) throw new RackError(loaded.diagnostics);
      Object.assign(out, mapping(loaded.value, v));
    } else {
      for (const m of v.matchAll(/([A-Za-z_][\w]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
        let val = m[2];
        if (/^".*"$|^'.*'$/s.test(val)) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
        out[m[1]] = val;
      }
    }
  }
  return out;
}

function mapping(value: unknown, arg: string): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new RackError({ code: 'E_EXTRA_VARS', message: `-e ${arg}: expected a mapping of variables`, hint: 'use -e key=value, -e \'{"key": 1}\' or -e @vars.yml' });
}
