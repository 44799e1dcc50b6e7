import { existsSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { load, resolvePlaybook, run } from '../api.js';
import { RackError } from '../errors.js';
import { listTags, listTasks } from '../playbook/listing.js';
import { chooseRenderer } from '../ui/index.js';
import { helpText, parseArgs, type Io, type OptionSpecs } from './args.js';
import { parseExtraVars } from './extra-vars.js';
import { ensureLabFor } from './lab-default.js';
import { selectPlayHosts } from '../executor/run.js';
import { promptPassword, revealToSecret } from '../vault/index.js';

const SPECS: OptionSpecs = {
  inventory: { kind: 'list', short: 'i', help: 'inventory file or folder (repeatable); default inventory/lab.yml' },
  limit: { kind: 'string', short: 'l', help: 'only these hosts (a host pattern)' },
  'extra-vars': { kind: 'list', short: 'e', help: 'k=v, JSON/YAML mapping or @file (repeatable)' },
  check: { kind: 'bool', short: 'C', help: 'change nothing; report what would change' },
  diff: { kind: 'bool', short: 'D', help: 'show file differences' },
  'detailed-exitcode': { kind: 'bool', help: 'with --check: exit 3 when changes are pending' },
  tags: { kind: 'list', short: 't', help: 'only tasks with these tags (comma separated)' },
  'skip-tags': { kind: 'list', help: 'skip tasks with these tags' },
  forks: { kind: 'string', short: 'f', help: 'hosts worked on at once (default: all, up to 50)' },
  'start-at-task': { kind: 'string', help: 'start at the task with this name' },
  step: { kind: 'bool', help: 'confirm each task (yes / no / continue / explain / quit)' },
  resume: { kind: 'bool', help: 'after a failed run: re-run from the failed task on the failed hosts' },
  'force-handlers': { kind: 'bool', help: 'run notified handlers even on failed hosts' },
  'trust-new-hosts': { kind: 'bool', help: 'record unknown host keys (changed keys are still refused)' },
  'ask-become-pass': { kind: 'bool', short: 'K', help: 'ask for the sudo password once (hosts with their own in the inventory keep theirs)' },
  'vault-password-file': { kind: 'string', help: 'file holding the vault password (or a script printing it)' },
  'list-hosts': { kind: 'bool', help: 'print the hosts each play targets, then stop' },
  'list-tasks': { kind: 'bool', help: 'print the tasks, then stop' },
  'list-tags': { kind: 'bool', help: 'print the tags, then stop' },
  json: { kind: 'bool', help: 'one JSON event per line on stdout' },
  verbose: { kind: 'count', short: 'v', help: 'more detail (-vv: every task start)' },
  'no-lab': { kind: 'bool', help: 'do not bring up the virtual rack for the default inventory' },
  help: { kind: 'bool', short: 'h' },
};

const split = (v: unknown) => ((v as string[] | undefined) ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);

export async function runMain(argv: string[], io: Io): Promise<number> {
  const { positional, opts } = parseArgs(argv, SPECS, 'run');
  if (opts.help) {
    io.stdout.write(helpText('Usage: rack run PLAYBOOK [options]', SPECS));
    return 0;
  }
  if (positional.length !== 1) throw new RackError({ code: 'E_USAGE', message: 'rack run needs one playbook', hint: 'e.g. rack run site.yml' });
  const playbook = resolvePlaybook(positional[0]);
  let inventories = (opts.inventory as string[] | undefined) ?? [];
  const defaultInventory = inventories.length === 0;
  if (defaultInventory) inventories = [io.env.RACK_INVENTORY ?? resolve('inventory', 'lab.yml')];
  for (const inv of inventories)
    if (!existsSync(inv)) throw new RackError({ code: 'E_FILE_NOT_FOUND', message: `inventory not found: ${inv}`, hint: 'pass one with -i, e.g. -i inventory/lab.yml' });


  const extraVars = parseExtraVars((opts['extra-vars'] as string[] | undefined) ?? []);
  const forks = opts.forks === undefined ? 50 : Number(opts.forks);
  if (!Number.isInteger(forks) || forks < 1) throw new RackError({ code: 'E_USAGE', message: `--forks must be a whole number of hosts, at least 1 (got '${opts.forks}')` });

  if (opts['list-hosts'] || opts['list-tasks'] || opts['list-tags']) {
    const loaded = await load(playbook, inventories);
    const filter = { tags: split(opts.tags), skipTags: split(opts['skip-tags']) };
    if (opts['list-tasks']) io.stdout.write(listTasks(loaded.playbook, filter));
    if (opts['list-tags']) io.stdout.write(listTags(loaded.playbook));
    if (opts['list-hosts'])
      for (const [i, play] of loaded.playbook.plays.entries()) {
        const hosts = selectPlayHosts(loaded.inventory, play, { extraVars, limit: opts.limit as string | undefined });
        io.stdout.write(`play #${i + 1} (${play.hosts}): ${play.name}\tHOSTS (${hosts.length}):\n${hosts.map((h) => `    ${h}\n`).join('')}`);
      }
    return 0;
  }

  if (defaultInventory && !opts['no-lab']) await ensureLabFor(inventories[0], io);

  const becomePassword = opts['ask-become-pass'] ? revealToSecret(await promptPassword(io.stdin, io.stderr, 'BECOME password: ')) : undefined;
  const verbosity = Number(opts.verbose ?? 0);
  const renderer = chooseRenderer({ json: !!opts.json, stdout: io.stdout, stderr: io.stderr, env: io.env, verbosity, diff: !!opts.diff });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // every running command listens for Ctrl-C
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let rl: ReturnType<typeof createInterface> | undefined;
  try {
    const summary = await run({
      playbook,
      inventories,
      extraVars,
      check: !!opts.check,
      diff: !!opts.diff,
      limit: opts.limit as string | undefined,
      tags: split(opts.tags),
      skipTags: split(opts['skip-tags']),
      forks,
      startAtTask: opts['start-at-task'] as string | undefined,
      step: !!opts.step,
      askStep: opts.step
        ? async (host, task) => {
            rl ??= createInterface({ input: io.stdin, output: io.stderr });
            for (;;) {
              const a = (await rl.question(`Perform task: ${task} on ${host} (N)o/(y)es/(c)ontinue/(e)xplain/(q)uit: `)).trim().toLowerCase();
              if (a === 'y' || a === 'yes') return 'yes';
              if (a === 'c' || a === 'continue') return 'continue';
              if (a === 'q' || a === 'quit') return 'quit';
              if (a === 'e' || a === 'explain') {
                io.stderr.write('yes: run this task; no: skip it; continue: run the rest without asking; quit: stop the play\n');
                continue;
              }
              return 'no';
            }
          }
        : undefined,
      resume: !!opts.resume,
      forceHandlers: !!opts['force-handlers'],
      trustNewHosts: !!opts['trust-new-hosts'],
      becomePassword,
      verbosity,
      vaultPasswordFile: opts['vault-password-file'] as string | undefined,
      env: io.env,
      signal: abort.signal,
      emit: (e) => renderer.handle(e),
    });
    if (opts.check && opts['detailed-exitcode'] && summary.exitCode === 0)
      return Object.values(summary.hosts).some((c) => c.changed > 0) ? 3 : 0;
    return summary.exitCode;
  } finally {
    await renderer.end();
    process.off('SIGINT', onSigint);
    rl?.close();
  }
}
