import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { sh, ShellText, joinShell } from '../../commands/quote.js';
import { exec, type Command, type Plan } from '../../commands/types.js';
import { writeScript } from '../../executor/apply.js';
import type { ModuleContext, ProbeOutput } from '../types.js';
import { attrCommands, newFileMode } from '../util/attrs.js';
import { fileDiff } from '../util/diff.js';
import { DIFF_LIMIT, parseFields, parseFileState, statScript } from '../util/probe.js';
import { str, bool } from '../args.js';

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
export const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/**
 * Probe for a file about to be written: where it really goes (an existing directory or a
 * dest ending in / means dest/<name>), its state and sha256, its text when diffs are wanted.
 */
export function putProbe(dest: string, name: string | undefined, ctx: ModuleContext, extra?: ShellText): ShellText {
  const parts: ShellText[] = [sh`d=${dest}`];
  if (name !== undefined) parts.push(sh`if [ -d "$d" ] || [ "\${d%/}" != "$d" ]; then d="\${d%/}/"${name}; fi`);
  parts.push(new ShellText(`printf 'path=%s\\n' "$d"`));
  parts.push(new ShellText(`if [ -d "$(dirname -- "$d")" ]; then echo dir_exists=1; fi`));
  parts.push(statScript(new ShellText('"$d"'), { follow: true, checksum: 'sha256', content: ctx.diff, maxContent: DIFF_LIMIT }));
  if (extra) parts.push(extra);
  return joinShell(parts, '\n');
}

export interface PutArgs {
  mode?: unknown;
  owner?: unknown;
  group?: unknown;
  backup?: unknown;
  validate?: unknown;
  force?: unknown;
}

/** Plan writing `content` where the put probe says; unchanged when the checksum and attributes match. */
export function planPut(args: PutArgs, probe: ProbeOutput | null, content: Buffer, opts: { showDiff: boolean; directoryMode?: unknown }): Plan {
  const f = parseFields(probe?.stdout ?? '');
  const path = f.get('path') ?? '';
  const st = parseFileState(f);
  const result: Record<string, unknown> = { dest: path, checksum: sha1(content), size: content.length };
  if (st.exists && st.type === 'directory') return { commands: [], result, failed: `dest ${path} is a directory` };
  const commands: Command[] = [];
  if (!st.exists || (st.checksum !== sha256(content) && bool(args.force, true))) {
    if (f.get('dir_exists') !== '1') {
      const dmode = newFileMode(opts.directoryMode, true);
      commands.push(exec(dmode ? sh`mkdir -p -m ${dmode} -- "$(dirname -- ${path})"` : sh`mkdir -p -- "$(dirname -- ${path})"`));
    }
    commands.push({
      kind: 'write',
      path,
      content,
      mode: newFileMode(args.mode),
      owner: str(args.owner),
      group: str(args.group),
      backup: bool(args.backup),
      validate: str(args.validate),
    });
    const before = st.exists ? st.content : Buffer.alloc(0);
    const diff = opts.showDiff && (before !== undefined || !st.exists) ? fileDiff(path, before, content) : undefined;
    return { commands, diff, result };
  }
  return { commands: attrCommands(path, st, args), result };
}

/** Copy a file already on the host (remote_src) through the same atomic write. */
export function planRemotePut(args: PutArgs & { src: string }, probe: ProbeOutput | null): Plan {
  const f = parseFields(probe?.stdout ?? '');
  const path = f.get('path') ?? '';
  const st = parseFileState(f);
  const src = parseFileState(f, 'src_');
  if (!src.exists) return { commands: [], failed: `src ${args.src} does not exist on the host` };
  if (src.type === 'directory') return { commands: [], failed: `src ${args.src} is a directory (copying directories is not supported)` };
  const result = { dest: path, src: args.src };
  if (st.exists && (st.checksum === src.checksum || !bool(args.force, true))) return { commands: attrCommands(path, st, args), result };
  const script = writeScript({
    kind: 'write',
    path,
    content: Buffer.alloc(0),
    mode: newFileMode(args.mode),
    owner: str(args.owner),
    group: str(args.group),
    backup: bool(args.backup),
    validate: str(args.validate),
  }, src.checksum);
  const commands: Command[] = [];
  if (f.get('dir_exists') !== '1') commands.push(exec(sh`mkdir -p -- "$(dirname -- ${path})"`));
  commands.push(exec(sh`sh -c ${script} < ${args.src}`));
  return { commands, result };
}

export const destName = (src: string | undefined): string | undefined => (src ? basename(src.replace(/\/+$/, '')) : undefined);
