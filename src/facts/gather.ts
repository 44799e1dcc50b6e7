import { randomBytes } from 'node:crypto';
import type { Connection } from '../connection/types.js';
import { bootId } from './boot-id.js';
import { cpu } from './cpu.js';
import { devices } from './devices.js';
import type { FactGroup } from './group.js';
import { hostname } from './hostname.js';
import { init } from './init.js';
import { interfaces } from './interfaces.js';
import { kernel } from './kernel.js';
import { memory } from './memory.js';
import { mounts } from './mounts.js';
import { osRelease } from './os-release.js';
import { pkgMgr } from './pkg-mgr.js';
import { raspberryPi } from './raspberry-pi.js';
import { route } from './route.js';
import type { Facts } from './types.js';
import { virtualization } from './virtualization.js';

export const FACT_GROUPS: FactGroup[] = [
  osRelease,
  kernel,
  hostname,
  cpu,
  memory,
  interfaces,
  route,
  devices,
  mounts,
  init,
  pkgMgr,
  bootId,
  virtualization,
  raspberryPi,
];

/** One script printing every group's output after a `MARKER name` line. */
export function factsScript(marker: string, groups: FactGroup[] = FACT_GROUPS): string {
  const parts = groups.map((g) => `printf '\\n%s %s\\n' '${marker}' '${g.name}'\n{\n${g.command}\n} 2>/dev/null`);
  return `export LC_ALL=C\n${parts.join('\n')}\n`;
}

/** Split the combined output back into each group's stdout. */
export function splitSections(stdout: string, marker: string): Map<string, string> {
  const out = new Map<string, string>();
  const pieces = stdout.split(`\n${marker} `);
  for (const piece of pieces.slice(1)) {
    const nl = piece.indexOf('\n');
    const name = nl < 0 ? piece : piece.slice(0, nl);
    out.set(name.trim(), nl < 0 ? '' : piece.slice(nl + 1));
  }
  return out;
}

/** Merge each group's facts and fill what needs several groups (the default route's address). */
export function parseFacts(sections: Map<string, string>, groups: FactGroup[] = FACT_GROUPS): Facts {
  const facts: Facts = {};
  for (const g of groups) {
    const text = sections.get(g.name);
    if (text !== undefined) Object.assign(facts, g.parse(text));
  }
  const dflt = facts.default_ipv4;
  if (dflt?.interface && !dflt.address) {
    const addr = facts.interfaces?.[dflt.interface]?.ipv4?.[0];
    if (addr) dflt.address = addr;
  }
  return facts;
}

/** Gather every fact group in one round trip. */
export async function gatherFacts(conn: Connection): Promise<Facts> {
  const marker = 'RACKFACT' + randomBytes(8).toString('hex');
  const r = await conn.exec(factsScript(marker));
  return parseFacts(splitSections(r.stdout.toString('utf8'), marker));
}
