import { sh } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { applyMode, octalString, parseMode } from './mode.js';
import type { FileState } from './probe.js';

export interface Attrs {
  mode?: unknown;
  owner?: unknown;
  group?: unknown;
}

const sameAccount = (want: string, name: string | undefined, id: number | undefined): boolean =>
  want === name || (/^\d+$/.test(want) && Number(want) === id);

/** chown/chmod commands bringing an existing path to the requested attributes (none when already so). */
export function attrCommands(path: string, st: FileState, want: Attrs, opts: { noDeref?: boolean } = {}): Command[] {
  const cmds: Command[] = [];
  const owner = want.owner !== undefined && want.owner !== null ? String(want.owner) : undefined;
  const group = want.group !== undefined && want.group !== null ? String(want.group) : undefined;
  const h = opts.noDeref ? ['-h'] : [];
  const ownerDiff = owner !== undefined && !sameAccount(owner, st.owner, st.uid);
  const groupDiff = group !== undefined && !sameAccount(group, st.group, st.gid);
  if (ownerDiff || groupDiff) {
    const spec = `${ownerDiff ? owner : ''}${groupDiff ? ':' + group : ''}`;
    cmds.push(exec(sh`chown ${[...h, spec, '--', path]}`));
  }
  const mode = parseMode(want.mode);
  if (mode && st.type !== 'link') {
    const cur = st.mode ?? 0;
    const next = applyMode(mode, cur, st.type === 'directory');
    if ((next & 0o7777) !== (cur & 0o7777)) cmds.push(exec(sh`chmod ${octalString(next)} -- ${path}`));
  }
  return cmds;
}

/** The octal mode string a new file gets from a requested mode (symbolic applied to 0644/0755). */
export function newFileMode(mode: unknown, isDir = false): string | undefined {
  const m = parseMode(mode);
  if (!m) return undefined;
  return octalString(applyMode(m, isDir ? 0o755 : 0o644, isDir));
}
