import { sh, ShellText, joinShell } from '../../commands/quote.js';
import { exec, type Command, type Plan } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { attrCommands } from '../util/attrs.js';
import { applyMode, octalString, parseMode } from '../util/mode.js';
import { parseFields, parseFileState, statScript, type FileState } from '../util/probe.js';

/** With recurse: every distinct (type, mode, owner, group) found below the directory. */
const TREE_MARK = 'tree=';

export const file: ModuleDef = {
  name: 'file',
  probe(args) {
    const path = str(args.path)!;
    const state = str(args.state);
    const follow = bool(args.follow, true) && state !== 'link' && state !== 'hard' && state !== 'absent';
    const parts = [statScript(path, { follow })];
    const src = str(args.src);
    if (src && state === 'hard') parts.push(statScript(src, { prefix: 'src_', follow: true }));
    if (bool(args.recurse))
      parts.push(
        sh`if [ -d ${path} ]; then find ${path} -mindepth 1 -printf '${new ShellText(TREE_MARK)}%y %m %u %g %U %G\\n' | sort -u; fi`,
      );
    return joinShell(parts, '\n');
  },
  plan(args, probe) {
    const path = str(args.path)!;
    const f = parseFields(probe?.stdout ?? '');
    const st = parseFileState(f);
    const state = str(args.state) ?? (st.exists ? (st.type === 'directory' ? 'directory' : st.type === 'link' ? 'link' : 'file') : 'file');
    const src = str(args.src);
    const result: Record<string, unknown> = { path, state };
    const done = (commands: Command[]): Plan => ({ commands, result, diff: [] });
    const attrs = { mode: args.mode, owner: args.owner, group: args.group };
    switch (state) {
      case 'absent':
        return done(st.exists ? [exec(sh`rm -rf -- ${path}`)] : []);
      case 'file':
        if (!st.exists) return { commands: [], result, failed: `file ${path} is absent, cannot continue (use state: touch to create it)` };
        if (st.type === 'directory' && args.state === 'file') return { commands: [], result, failed: `${path} is a directory, not a file` };
        return done(attrCommands(path, st, attrs));
      case 'touch': {
        const preserve = str(args.modification_time) === 'preserve' && str(args.access_time) === 'preserve';
        const cmds: Command[] = [];
        if (!st.exists || !preserve) cmds.push(exec(sh`touch -- ${path}`));
        // A new file's attributes are unknown until touched: plan them from the defaults.
        const known: FileState = st.exists ? st : { exists: true, type: 'file', mode: 0o644, owner: undefined };
        cmds.push(...attrCommands(path, known, attrs));
        return done(cmds);
      }
      case 'directory': {
        if (st.exists && st.type !== 'directory') return { commands: [], result, failed: `${path} exists and is not a directory` };
        const cmds: Command[] = [];
        if (!st.exists) {
          cmds.push(exec(sh`mkdir -p -- ${path}`));
          cmds.push(...attrCommands(path, { exists: true, type: 'directory', mode: 0o755 }, attrs));
        } else cmds.push(...attrCommands(path, st, attrs));
        if (bool(args.recurse)) cmds.push(...recurseCommands(path, probe?.stdout ?? '', attrs));
        return done(cmds);
      }
      case 'link': {
        if (!src) return { commands: [], result, failed: 'state link needs src' };
        if (st.exists && st.type === 'link' && st.linkTarget === src) return done(attrCommands(path, st, { owner: attrs.owner, group: attrs.group }, { noDeref: true }));
        if (st.exists && st.type !== 'link' && !bool(args.force)) return { commands: [], result, failed: `${path} exists and is not a link (set force: true to replace it)` };
        if (st.exists && st.type === 'directory') return { commands: [], result, failed: `${path} is a directory; remove it first` };
        const cmds: Command[] = [exec(sh`ln -sfn -- ${src} ${path}`)];
        if (attrs.owner !== undefined || attrs.group !== undefined) cmds.push(...newOwnership(path, attrs, true));
        return done(cmds);
      }
      case 'hard': {
        if (!src) return { commands: [], result, failed: 'state hard needs src' };
        const s = parseFileState(f, 'src_');
        if (!s.exists) return { commands: [], result, failed: `src ${src} does not exist` };
        if (st.exists && st.inode === s.inode && st.dev === s.dev) return done(attrCommands(path, st, attrs));
        if (st.exists && !bool(args.force)) return { commands: [], result, failed: `${path} exists (set force: true to replace it)` };
        return done([exec(sh`ln -f -- ${src} ${path}`), ...attrCommands(path, s, attrs)]);
      }
      default:
        return { commands: [], result, failed: `unknown state ${state}` };
    }
  },
};

function newOwnership(path: string, attrs: { owner?: unknown; group?: unknown }, noDeref = false): Command[] {
  const o = str(attrs.owner);
  const g = str(attrs.group);
  if (o === undefined && g === undefined) return [];
  return [exec(sh`chown ${noDeref ? ['-h'] : []} ${`${o ?? ''}${g !== undefined ? ':' + g : ''}`} -- ${path}`)];
}

/** chown -R / chmod -R when anything under the directory differs from what is asked. */
function recurseCommands(path: string, stdout: string, attrs: { mode?: unknown; owner?: unknown; group?: unknown }): Command[] {
  const rows = stdout
    .split('\n')
    .filter((l) => l.startsWith(TREE_MARK))
    .map((l) => l.slice(TREE_MARK.length).split(' '));
  const cmds: Command[] = [];
  const o = str(attrs.owner);
  const g = str(attrs.group);
  const same = (want: string, name: string, id: string) => want === name || want === id;
  const ownerOff = o !== undefined && rows.some((r) => r[0] !== 'l' && !same(o, r[2], r[4]));
  const groupOff = g !== undefined && rows.some((r) => r[0] !== 'l' && !same(g, r[3], r[5]));
  if (ownerOff || groupOff) cmds.push(exec(sh`chown -R ${`${ownerOff ? o : ''}${groupOff ? ':' + g : ''}`} -- ${path}`));
  const mode = parseMode(attrs.mode);
  if (mode) {
    const off = rows.some((r) => r[0] !== 'l' && applyMode(mode, parseInt(r[1], 8), r[0] === 'd') !== parseInt(r[1], 8));
    if (off) cmds.push(exec(sh`chmod -R ${'octal' in mode ? octalString(mode.octal) : mode.symbolic} -- ${path}`));
  }
  return cmds;
}
