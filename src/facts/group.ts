import type { Facts } from './types.js';

/** One kind of fact: shell text run on the host (its stderr is dropped) and a parser for its stdout. */
export interface FactGroup {
  name: string;
  command: string;
  parse(stdout: string): Partial<Facts>;
}

/** `KEY=value` lines (os-release style, optional quotes) into a map. */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    }
    out[m[1]] = v;
  }
  return out;
}
