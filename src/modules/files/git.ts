import { sh } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { parseFields } from '../util/probe.js';

const isSha = (v: string) => /^[0-9a-f]{7,40}$/i.test(v);

export const git: ModuleDef = {
  name: 'git',
  probe(args) {
    const repo = str(args.repo)!;
    const dest = str(args.dest)!;
    const version = str(args.version) ?? 'HEAD';
    const remoteRefs = isSha(version) ? sh`true` : sh`git ls-remote -- ${repo} ${version} ${`refs/tags/${version}^{}`} 2>/dev/null | sed 's/^/ref=/'`;
    return sh`if [ -d ${`${dest}/.git`} ] || git -C ${dest} rev-parse --git-dir >/dev/null 2>&1; then echo present=1; printf 'head=%s\\n' "$(git -C ${dest} rev-parse HEAD 2>/dev/null)"; printf 'dirty=%s\\n' "$(git -C ${dest} status --porcelain --untracked-files=no 2>/dev/null | head -c1)"; fi; ${remoteRefs}; true`;
  },
  plan(args, probe) {
    const repo = str(args.repo)!;
    const dest = str(args.dest)!;
    const remote = str(args.remote) ?? 'origin';
    const version = str(args.version) ?? 'HEAD';
    const out = probe?.stdout ?? '';
    const f = parseFields(out);
    const present = f.get('present') === '1';
    const head = f.get('head') ?? '';
    // ls-remote gives sha<TAB>ref; a peeled tag (^{}) names the commit itself and wins.
    const refs = out.split('\n').filter((l) => l.startsWith('ref=')).map((l) => l.slice(4).split('\t'));
    const peeled = refs.find(([, r]) => r.endsWith('^{}'));
    const target = isSha(version) ? version.toLowerCase() : (peeled ?? refs[0])?.[0];
    const isBranch = refs.some(([, r]) => r === `refs/heads/${version}`);
    const result: Record<string, unknown> = { before: present ? head : null, after: target ?? null };
    if (!isSha(version) && !target) return { commands: [], result, failed: `version '${version}' not found in ${repo}` };
    const depth = args.depth !== undefined ? ['--depth', String(args.depth)] : [];
    const cmds: Command[] = [];
    if (!present) {
      if (!bool(args.clone, true)) return { commands: [], result };
      cmds.push(exec(sh`git clone ${depth} --origin ${remote} -- ${repo} ${dest}`));
      if (version !== 'HEAD') cmds.push(exec(isBranch ? sh`git -C ${dest} checkout -B ${version} ${`${remote}/${version}`}` : sh`git -C ${dest} -c advice.detachedHead=false checkout --detach ${version}`));
      return { commands: cmds, result };
    }
    if (head.startsWith(target!) || (target && target.startsWith(head) && head.length >= 7)) return { commands: [], result: { ...result, after: head } };
    if (!bool(args.update, true)) return { commands: [], result };
    if (f.get('dirty') && !bool(args.force)) return { commands: [], result, failed: `Local modifications exist in the repository at ${dest} (set force: true to discard them)` };
    const force = bool(args.force) ? ['--force'] : [];
    cmds.push(exec(sh`git -C ${dest} fetch ${depth} --tags ${remote} ${`+refs/heads/*:refs/remotes/${remote}/*`}`));
    if (isBranch) cmds.push(exec(sh`git -C ${dest} checkout ${force} -B ${version} ${`${remote}/${version}`}`));
    else cmds.push(exec(sh`git -C ${dest} -c advice.detachedHead=false checkout ${force} --detach ${isSha(version) ? version : target!}`));
    return { commands: cmds, result };
  },
};
