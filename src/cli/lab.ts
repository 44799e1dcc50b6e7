// `rack lab up|status|down`: the virtual rack on this machine. Progress on stderr, tables on stdout.
import { RackError, diag, didYouMean, formatDiagnostic } from '../errors.js';
import { labDown, labStatus, labUp, type LabInfo } from '../lab/index.js';
import { helpText, parseArgs, usageError, type OptionSpecs } from './args.js';

const USAGE = 'usage: rack lab up [--nodes N] [--sites N] | status [--json] | down   (needs root)';
const ACTIONS = ['up', 'status', 'down'];
const SPECS: OptionSpecs = {
  nodes: { kind: 'string', help: 'number of nodes for `up` (default 3)' },
  sites: { kind: 'string', help: 'number of sites (bridges) for `up`, 1 or 2 (default 1)' },
  images: { kind: 'string', help: 'images directory (default images)' },
  json: { kind: 'bool', help: 'status as JSON' },
  help: { kind: 'bool', short: 'h', help: 'show this help' },
};

function count(v: unknown, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RackError(diag('E_USAGE', `lab: --${flag} needs a whole number, not '${String(v)}'`, undefined, USAGE));
  return n;
}

function table(lab: LabInfo): string {
  if (!lab.nodes.length) return 'the lab is down\n';
  const rows = [['NODE', 'ADDRESS', 'SITE', 'STATE', 'PID'], ...lab.nodes.map((n) => [n.name, n.address, n.site, n.state, String(n.pid || '-')])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

export async function labMain(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  try {
    const { positional, opts } = parseArgs(argv, SPECS, 'lab');
    const [action, ...extra] = positional;
    if (opts.help) {
      io.stdout.write(helpText(USAGE, SPECS));
      return 0;
    }
    if (!action || extra.length || !ACTIONS.includes(action))
      throw usageError('lab', action ? `unknown action '${[action, ...extra].join(' ')}'` : 'which action?', (action && !extra.length ? didYouMean(action, ACTIONS) : undefined) ?? USAGE);
    const imagesDir = typeof opts.images === 'string' ? opts.images : 'images';
    const log = (line: string) => io.stderr.write(line + '\n');
    if (action === 'up') {
      const lab = await labUp({ nodes: count(opts.nodes, 'nodes', 3), sites: count(opts.sites, 'sites', 1), imagesDir, log });
      io.stdout.write(table(lab));
      io.stdout.write(`inventory: ${lab.inventoryPath}\n`);
    } else if (action === 'status') {
      const lab = await labStatus({ imagesDir });
      io.stdout.write(opts.json ? JSON.stringify(lab) + '\n' : table(lab));
    } else {
      await labDown({ imagesDir, log });
    }
    return 0;
  } catch (e) {
    if (!(e instanceof RackError)) throw e;
    for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
    return 1;
  }
}
