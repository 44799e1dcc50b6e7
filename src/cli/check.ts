import { formatDiagnostic, RackError, type Diagnostic } from '../errors.js';
import { checkProject } from '../project.js';
import { helpText, parseArgs, type OptionSpecs } from './args.js';

const specs: OptionSpecs = {
  inventory: { kind: 'list', short: 'i', help: 'inventory file or folder (repeatable); also checks host patterns against it' },
  json: { kind: 'bool', help: 'one JSON diagnostic per line on stdout' },
  help: { kind: 'bool', short: 'h', help: 'show this help' },
};

interface CheckIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type InventoryLoader = (paths: string[], opts?: object) => Promise<{ diagnostics: Diagnostic[] }>;

/** src/inventory when present (it is optional for a pure playbook check). */
async function inventoryLoader(): Promise<InventoryLoader | undefined> {
  const modulePath = '../inventory/index.js';
  try {
    const m = (await import(modulePath)) as { loadInventory?: InventoryLoader };
    return m.loadInventory;
  } catch {
    return undefined;
  }
}

/** `rack check PLAYBOOK... [-i INV] [--json]`: every problem, exit 0 clean / 1 otherwise. */
export async function checkMain(argv: string[], io: CheckIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, specs, 'check');
  } catch (e) {
    if (!(e instanceof RackError)) throw e;
    for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
    return 1;
  }
  if (parsed.opts.help) {
    io.stdout.write(helpText('usage: rack check PLAYBOOK... [-i INV] [--json]', specs));
    return 0;
  }
  if (!parsed.positional.length) {
    io.stderr.write(formatDiagnostic({ code: 'E_USAGE', message: 'rack check needs a playbook', hint: 'rack check playbooks/site.yml -i inventory/' }) + '\n');
    return 1;
  }
  const diagnostics = await checkProject(parsed.positional);
  const inventories = (parsed.opts.inventory as string[] | undefined) ?? [];
  if (inventories.length) {
    const load = await inventoryLoader();
    if (load) diagnostics.push(...(await load(inventories)).diagnostics);
    else io.stderr.write('note: inventory support is not available; skipped checking -i\n');
  }
  const errors = diagnostics.filter((d) => (d.severity ?? 'error') === 'error').length;
  const warnings = diagnostics.length - errors;
  for (const d of diagnostics) {
    if (parsed.opts.json) io.stdout.write(JSON.stringify(d) + '\n');
    else io.stderr.write(formatDiagnostic(d) + '\n\n');
  }
  const files = parsed.positional.length;
  const summary = errors
    ? `${errors} problem${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''} in ${files} file${files === 1 ? '' : 's'}`
    : `${files} file${files === 1 ? '' : 's'} checked: no problems${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`;
  (parsed.opts.json ? io.stderr : errors ? io.stderr : io.stdout).write(summary + '\n');
  return errors ? 1 : 0;
}
