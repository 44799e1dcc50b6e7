import { readFileSync } from 'node:fs';
import { formatDiagnostic, RackError } from '../errors.js';
import type { Io } from './args.js';

const USAGE = `rack: declarative bare-metal provisioning

Usage:
  rack run PLAYBOOK [-i INV] [options]   run a playbook (default inventory: the virtual rack)
  rack check PLAYBOOK... [-i INV]        load and validate; report every problem
  rack inventory -i INV --list|--graph|--host NAME
  rack doc MODULE | --list               a module's arguments and an example
  rack netboot [-i INV] [options]        DHCP/proxyDHCP + TFTP + HTTP boot service
  rack lab up|status|down [--nodes N]    the virtual rack on this machine (root)
  rack vault encrypt|decrypt|edit|view|encrypt-string
  rack images list|fetch|check [NAME...] artifacts in images/

Exit codes: 0 ok, 1 invalid input (nothing touched), 2 a host failed, 3 changes pending
(--check --detailed-exitcode), 4 a host unreachable, 130 interrupted.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

type Command = (argv: string[], io: Io) => Promise<number>;

/** Each command is loaded only when used: start-up stays fast. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).runMain,
  check: async () => (await import('./check.js')).checkMain,
  inventory: async () => (await import('./inventory.js')).inventoryMain,
  doc: async () => (await import('./doc.js')).docMain,
  netboot: async () => {
    const { netbootMain } = await import('./netboot.js');
    const { loadHostRecords } = await import('./host-records.js');
    return (argv, io) => netbootMain(argv, { loadHosts: loadHostRecords, stdout: io.stdout, stderr: io.stderr });
  },
  lab: async () => (await import('./lab.js')).labMain,
  vault: async () => (await import('./vault.js')).vaultMain as Command,
  images: async () => (await import('./images.js')).imagesMain as Command,
};

export async function main(argv: string[], io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-V') {
    io.stdout.write(`rack ${version()}\n`);
    return 0;
  }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(USAGE);
    return cmd === undefined ? 1 : 0;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    const { didYouMean } = await import('../errors.js');
    io.stderr.write(formatDiagnostic({ code: 'E_USAGE', message: `unknown command '${cmd}'`, hint: didYouMean(cmd, Object.keys(COMMANDS)) ?? 'see rack --help' }) + '\n');
    return 1;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    if (e instanceof RackError) {
      for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
      if (e.diagnostics.length > 1) io.stderr.write(`${e.diagnostics.length} problems\n`);
      return 1;
    }
    throw e;
  }
}
