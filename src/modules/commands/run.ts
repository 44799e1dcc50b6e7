import { sh, raw, ShellText, joinShell } from '../../commands/quote.js';
import { exec, type Plan } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleDef, ProbeOutput } from '../types.js';
import { parseFields } from '../util/probe.js';
import { splitWords } from '../../commands/words.js';

/** A path that may hold glob characters: those stay live, everything else is escaped. */
export function globWord(s: string): ShellText {
  let out = '';
  for (const c of s) {
    if (/[A-Za-z0-9*?[\]/._-]/.test(c)) out += c;
    else if (c === '\n') out += "'\n'";
    else out += '\\' + c;
  }
  return new ShellText(out);
}

const exists = (p: string) => new ShellText(`for f in ${globWord(p).text}; do [ -e "$f" ] && exit 0; done; exit 1`);

/** creates/removes are checked in one read-only probe (relative to chdir, globs allowed). */
export function guardProbe(args: Record<string, unknown>): ShellText | null {
  const creates = str(args.creates);
  const removes = str(args.removes);
  if (creates === undefined && removes === undefined) return null;
  const parts: ShellText[] = [];
  const chdir = str(args.chdir);
  if (chdir) parts.push(sh`cd ${chdir} 2>/dev/null`);
  if (creates !== undefined) parts.push(new ShellText(`(${exists(creates).text}) && echo creates=1`));
  if (removes !== undefined) parts.push(new ShellText(`(${exists(removes).text}) && echo removes=1`));
  parts.push(raw('true'));
  return joinShell(parts, '; ');
}

/** The unchanged plan when creates/removes say the step is already done. */
export function guardSkip(args: Record<string, unknown>, probe: ProbeOutput | null): Plan | undefined {
  if (!probe) return undefined;
  const f = parseFields(probe.stdout);
  if (args.creates !== undefined && f.get('creates') === '1')
    return { commands: [], changed: false, result: { msg: `skipped, since ${str(args.creates)} exists`, rc: 0, stdout: '', stderr: '' } };
  if (args.removes !== undefined && f.get('removes') !== '1')
    return { commands: [], changed: false, result: { msg: `skipped, since ${str(args.removes)} does not exist`, rc: 0, stdout: '', stderr: '' } };
  return undefined;
}

function stdinOf(args: Record<string, unknown>): string | undefined {
  const s = str(args.stdin);
  if (s === undefined) return undefined;
  return bool(args.stdin_add_newline, true) && !s.endsWith('\n') ? s + '\n' : s;
}

const inDir = (chdir: string | undefined, body: ShellText): ShellText => (chdir ? joinShell([sh`cd ${chdir}`, body]) : body);

function runPlan(cmd: ShellText, args: Record<string, unknown>, probe: ProbeOutput | null, display: string): Plan {
  const skip = guardSkip(args, probe);
  if (skip) return skip;
  return { commands: [exec(cmd, { capture: true, stdin: stdinOf(args) })], changed: true, result: { cmd: display } };
}

export const command: ModuleDef = {
  name: 'command',
  runsUserCode: true,
  probe: guardProbe,
  plan(args, probe) {
    const argv = Array.isArray(args.argv) ? args.argv.map((w) => str(w)!) : splitWords(str(args.cmd) ?? '', { strict: true });
    if (!argv.length) return { commands: [], failed: 'no command given (cmd or argv)' };
    return runPlan(inDir(str(args.chdir), sh`exec ${argv}`), args, probe, argv.join(' '));
  },
};

export const shell: ModuleDef = {
  name: 'shell',
  runsUserCode: true,
  probe: guardProbe,
  plan(args, probe) {
    const text = str(args.cmd);
    if (!text) return { commands: [], failed: 'no command given' };
    const body = new ShellText(`${sh`${str(args.executable) ?? '/bin/sh'} -c`.text} ${sh`${text}`.text}`, `${text}`);
    return runPlan(inDir(str(args.chdir), body), args, probe, text);
  },
};

export const rawModule: ModuleDef = {
  name: 'raw',
  runsUserCode: true,
  plan(args) {
    const text = str(args.cmd) ?? '';
    const executable = str(args.executable);
    const cmd = executable ? new ShellText(`${sh`${executable} -c ${text}`.text}`, text) : raw(text);
    return { commands: [exec(cmd, { capture: true })], changed: true, result: { cmd: text } };
  },
};

export const script: ModuleDef = {
  name: 'script',
  runsUserCode: true,
  probe: guardProbe,
  async plan(args, probe, ctx) {
    const line = (str(args.cmd) ?? '').trim();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line);
    if (!m) return { commands: [], failed: 'no script given' };
    const skip = guardSkip(args, probe);
    if (skip) return skip;
    let body: Buffer;
    try {
      body = await ctx.readLocal(m[1]);
    } catch (e) {
      return { commands: [], failed: `could not read script: ${(e as Error).message}` };
    }
    const executable = str(args.executable);
    // The script travels on stdin into a private temp file, runs with its own arguments, and is removed.
    const run = `${executable ? sh`${executable}`.text + ' ' : ''}"$t" ${m[2]}`;
    const chdir = str(args.chdir);
    const text = [
      't=$(mktemp) || exit 1',
      `trap 'rm -f -- "$t"' EXIT`,
      'cat > "$t" && chmod 700 "$t" || exit 1',
      chdir ? `cd ${sh`${chdir}`.text} || exit 1` : '',
      `${run} < /dev/null`,
    ]
      .filter(Boolean)
      .join('\n');
    return { commands: [exec(new ShellText(text, `script ${line}`), { capture: true, stdin: body })], changed: true, result: { cmd: line } };
  },
};
