import type { Plan } from '../commands/types.js';
import type { ShellText } from '../commands/quote.js';
import type { Facts } from '../facts/types.js';

export interface ProbeOutput {
  stdout: string;
  stderr: string;
  rc: number;
}

/** What a planner may know about the host and the run. Planners never do I/O on hosts. */
export interface ModuleContext {
  host: string;
  facts: Facts;
  check: boolean;
  diff: boolean;
  /** Read a control-machine file named by a module argument (copy src, script), searched in role files/ and the playbook dir. */
  readLocal(path: string): Promise<Buffer>;
  /** Render a template file (template src), searched in role templates/ and the playbook dir. */
  renderTemplate(path: string): Promise<string>;
  /** Where images/ lives on the control machine (get_url served offline). */
  imagesDir: string;
}

/**
 * A module: probe reads the host's state with one read-only command, plan turns
 * (args, probe output, facts) into commands; no commands means unchanged.
 */
export interface ModuleDef<A = Record<string, unknown>> {
  name: string;
  /** Read-only shell text run before planning (skipped when null). */
  probe?(args: A, ctx: ModuleContext): ShellText | null;
  plan(args: A, probe: ProbeOutput | null, ctx: ModuleContext): Plan | Promise<Plan>;
  /** Runs even in --check (e.g. stat, slurp): reading only. */
  readOnly?: boolean;
  /** command/shell/raw/script: skipped in --check unless check_mode: false. */
  runsUserCode?: boolean;
}
