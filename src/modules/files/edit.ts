import { sh } from '../../commands/quote.js';
import { exec, type Command, type Plan } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ProbeOutput } from '../types.js';
import { attrCommands, newFileMode } from '../util/attrs.js';
import { fileDiff } from '../util/diff.js';
import { parseFields, parseFileState, statScript, type FileState } from '../util/probe.js';
import type { ShellText } from '../../commands/quote.js';

/** Text-editing modules read the whole file in their probe (followed through links). */
export const editProbe = (path: string): ShellText =>
  statScript(path, { follow: true, content: true });

export function readEdited(probe: ProbeOutput | null): { st: FileState; text: string } {
  const st = parseFileState(parseFields(probe?.stdout ?? ''));
  return { st, text: st.content ? st.content.toString('utf8') : '' };
}

export interface EditArgs {
  path?: unknown;
  mode?: unknown;
  owner?: unknown;
  group?: unknown;
  backup?: unknown;
  validate?: unknown;
}

/** Write `after` when it differs from the file's text (creating it if needed), else only fix attributes. */
export function planEdit(args: EditArgs, st: FileState, before: string, after: string, showDiff: boolean, result: Record<string, unknown> = {}): Plan {
  const path = str(args.path)!;
  if (st.exists && before === after) return { commands: attrCommands(path, st, args), result };
  const commands: Command[] = [];
  if (!st.exists) commands.push(exec(sh`mkdir -p -- "$(dirname -- ${path})"`));
  commands.push({
    kind: 'write',
    path,
    content: Buffer.from(after, 'utf8'),
    mode: newFileMode(args.mode),
    owner: str(args.owner),
    group: str(args.group),
    backup: bool(args.backup),
    validate: str(args.validate),
  });
  return { commands, diff: showDiff ? fileDiff(path, Buffer.from(before), Buffer.from(after)) : undefined, result };
}

/** Split keeping line endings, like Python's readlines(). */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
