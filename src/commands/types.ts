import type { ShellText } from './quote.js';

/**
 * What a module asks the executor to do on a host. Commands are data: the executor runs
 * them in order and stops at the first failure.
 */
export type Command = ExecCommand | WriteCommand;

/** Run shell text (POSIX sh) on the host. Non-zero exit fails the task unless okCodes says otherwise. */
export interface ExecCommand {
  kind: 'exec';
  cmd: ShellText;
  stdin?: Buffer | string;
  /** Exit codes counted as success (default [0]). */
  okCodes?: number[];
  /** Output is returned in the task result (command/shell register stdout). */
  capture?: boolean;
}

/**
 * Write a file atomically: content goes to a temp file in the same directory, gets its
 * mode/owner, then is renamed over `path`. With backup, the old file is kept as
 * `path.<timestamp>~` first.
 */
export interface WriteCommand {
  kind: 'write';
  path: string;
  content: Buffer;
  mode?: string; // octal string, e.g. '0644'
  owner?: string;
  group?: string;
  backup?: boolean;
  /** Check the temp file before it replaces `path`: shell text with %s for the temp path. */
  validate?: string;
}

/** A unified diff shown with --diff; before/after are file contents. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
}

/** What a module's plan returns: commands to run (none = unchanged) and what to report. */
export interface Plan {
  commands: Command[];
  diff?: FileDiff[];
  /** Extra fields merged into the registered result (e.g. stat, content, backup_file). */
  result?: Record<string, unknown>;
  /** Force the changed flag (e.g. command/shell are changed when they run). */
  changed?: boolean;
  /** The module failed during planning (e.g. a missing src): message shown to the user. */
  failed?: string;
}

export const exec = (cmd: ShellText, more: Partial<Omit<ExecCommand, 'kind' | 'cmd'>> = {}): ExecCommand => ({
  kind: 'exec',
  cmd,
  ...more,
});
