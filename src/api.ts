import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RackError, type Diagnostic } from './errors.js';
import type { Secret } from './commands/secret.js';
import type { RunEvent } from './executor/events.js';
import type { RunContext } from './executor/context.js';
import { readResume } from './executor/resume.js';
import { runPlaybook, type RunSummary } from './executor/run.js';
import { loadInventory, type Inventory } from './inventory/index.js';
import { loadPlaybook } from './playbook/loader.js';
import { checkPlaybook } from './playbook/check.js';
import { loadYamlFile } from './source/yaml.js';
import type { Playbook, TaskLoader } from './playbook/types.js';
import { prepareVault } from './executor/vault.js';
import { promptPassword } from './vault/index.js';
import { attachNetboot } from './executor/netboot.js';

export interface LoadedRun {
  playbook: Playbook;
  inventory: Inventory;
  loader: TaskLoader;
}

/** A playbook named on the command line: as given, or under the project's playbooks/. */
export function resolvePlaybook(name: string, cwd = process.cwd()): string {
  const direct = resolve(cwd, name);
  if (existsSync(direct)) return direct;
  const shipped = join(cwd, 'playbooks', name);
  if (existsSync(shipped)) return shipped;
  return direct;
}

/** Load and check a playbook and its inventories: every problem, or a runnable whole. */
export async function load(playbookFile: string, inventories: string[]): Promise<LoadedRun> {
  const diagnostics: Diagnostic[] = [];
  const pb = loadPlaybook(playbookFile, {});
  diagnostics.push(...pb.diagnostics, ...(await checkPlaybook(pb)));
  const inv = await loadInventory(inventories, { playbookDir: resolve(playbookFile, '..') });
  diagnostics.push(...inv.diagnostics);
  if (diagnostics.some((d) => (d.severity ?? 'error') === 'error') || !pb.playbook) throw new RackError(diagnostics);
  return { playbook: pb.playbook, inventory: inv.inventory, loader: pb.loader };
}

export interface RunRequest {
  playbook: string;
  inventories: string[];
  extraVars?: Record<string, unknown>;
  check?: boolean;
  diff?: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  forks?: number;
  startAtTask?: string;
  step?: boolean;
  askStep?: (host: string, task: string) => Promise<'yes' | 'no' | 'continue' | 'quit'>;
  resume?: boolean;
  forceHandlers?: boolean;
  trustNewHosts?: boolean;
  imagesDir?: string;
  verbosity?: number;
  /** Where --resume state lives (default .rack/resume.json under the working directory). */
  stateFile?: string;
  signal?: AbortSignal;
  vaultPasswordFile?: string;
  /** -K: the sudo password for hosts whose inventory gives none. */
  becomePassword?: Secret;
  env?: NodeJS.ProcessEnv;
  emit?: (e: RunEvent) => void;
}

/** Run a playbook: what `rack run` does, for the CLI and for tests alike. */
export async function run(req: RunRequest): Promise<RunSummary> {
  const loaded = await load(req.playbook, req.inventories);
  const env = req.env ?? process.env;
  await prepareVault(
    [
      ...loaded.playbook.plays.flatMap((p) => [
        p.vars,
        ...p.roles.flatMap((r) => [r.vars, r.role.defaults, r.role.vars]),
        ...p.varsFiles.map((f) => (f.path.includes('{{') ? undefined : loadYamlFile(resolve(p.dir, f.path)).value)),
      ]),
      ...loaded.inventory.hostNames().map((h) => loaded.inventory.hostVars(h)),
    ],
    { passwordFile: req.vaultPasswordFile ?? env.RACK_VAULT_PASSWORD_FILE, env, prompt: process.stdin.isTTY ? () => promptPassword(process.stdin, process.stderr) : undefined },
  );
  const stateFile = req.stateFile ?? resolve('.rack', 'resume.json');
  const resume = req.resume ? await readResume(stateFile) : undefined;
  if (req.resume && !resume)
    throw new RackError({ code: 'E_NO_RESUME', message: 'nothing to resume: the last run did not stop on a failure', hint: `resume state is kept in ${stateFile}` });
  if (resume && resume.playbook !== resolve(req.playbook))
    throw new RackError({ code: 'E_NO_RESUME', message: `the run to resume was of ${resume.playbook}, not ${resolve(req.playbook)}`, hint: `run that playbook with --resume, or remove ${stateFile}` });
  return runPlaybook(
    loaded.playbook,
    loaded.inventory,
    {
      check: req.check ?? false,
      diff: req.diff ?? false,
      extraVars: req.extraVars ?? {},
      limit: req.limit,
      tags: req.tags ?? [],
      skipTags: req.skipTags ?? [],
      forks: req.forks ?? 50,
      startAtTask: req.startAtTask,
      step: req.step ?? false,
      askStep: req.askStep,
      forceHandlers: req.forceHandlers ?? false,
      trustNewHosts: req.trustNewHosts ?? false,
      becomePassword: req.becomePassword,
      imagesDir: req.imagesDir ?? resolve('images'),
      verbosity: req.verbosity ?? 0,
      resume,
      stateFile,
      signal: req.signal ?? new AbortController().signal,
      emit: req.emit ?? (() => undefined),
    },
    loaded.loader,
    (ctx: RunContext) => attachNetboot(ctx),
  );
}
