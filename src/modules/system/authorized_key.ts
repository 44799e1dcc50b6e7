import { sh } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { fileDiff } from '../util/diff.js';
import { parseFields, parseFileState, statScript } from '../util/probe.js';
import { ShellText, joinShell } from '../../commands/quote.js';

interface KeyLine {
  options?: string;
  type: string;
  blob: string;
  comment?: string;
}

const KEY_TYPE = /^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com|ssh-(?:rsa|ed25519)-cert-v01@openssh\.com)$/;

/** Split a key line into options, type, key and comment (options may hold quoted spaces). */
export function parseKey(line: string): KeyLine | undefined {
  const t = line.trim();
  if (!t || t.startsWith('#')) return undefined;
  const words: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of t) {
    if (c === '"') quoted = !quoted;
    if (!quoted && /\s/.test(c)) {
      if (cur) words.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) words.push(cur);
  const at = words.findIndex((w) => KEY_TYPE.test(w));
  if (at < 0 || at > 1 || !words[at + 1]) return undefined;
  return {
    options: at === 1 ? words[0] : undefined,
    type: words[at],
    blob: words[at + 1],
    comment: words.slice(at + 2).join(' ') || undefined,
  };
}

const render = (k: KeyLine) => [k.options, k.type, k.blob, k.comment].filter(Boolean).join(' ');

export const authorizedKey: ModuleDef = {
  name: 'authorized_key',
  probe(args) {
    const user = str(args.user)!;
    const path = str(args.path);
    const head = sh`h=$(getent passwd ${user} | cut -d: -f6); printf 'home=%s\\n' "$h"; printf 'pgroup=%s\\n' "$(id -gn ${user} 2>/dev/null)"; `;
    const file = path ? sh`f=${path}` : new ShellText('f="$h/.ssh/authorized_keys"');
    return joinShell(
      [head, file, new ShellText(`printf 'file=%s\\n' "$f"; if [ -d "$(dirname -- "$f")" ]; then echo dir=1; fi`), statScript(new ShellText('"$f"'), { follow: true, content: true })],
      '\n',
    );
  },
  plan(args, probe, ctx) {
    const user = str(args.user)!;
    const f = parseFields(probe?.stdout ?? '');
    if (!f.get('home')) return { commands: [], failed: `user ${user} does not exist` };
    const file = f.get('file')!;
    const st = parseFileState(f);
    const before = st.content?.toString('utf8') ?? '';
    const lines = before.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const want = (str(args.key) ?? '')
      .split('\n')
      .map((l) => parseKey(l))
      .filter((k): k is KeyLine => !!k)
      .map((k) => ({ ...k, options: str(args.key_options) ?? k.options, comment: str(args.comment) ?? k.comment }));
    if (!want.length) return { commands: [], failed: 'no valid public key in key' };
    const same = (a: KeyLine, b: KeyLine) => a.type === b.type && a.blob === b.blob;
    const present = str(args.state) !== 'absent';
    let out: string[];
    if (!present) out = lines.filter((l) => !want.some((w) => { const k = parseKey(l); return k && same(k, w); }));
    else {
      out = bool(args.exclusive) ? lines.filter((l) => { const k = parseKey(l); return !k || want.some((w) => same(k, w)); }) : [...lines];
      for (const w of want) {
        const i = out.findIndex((l) => { const k = parseKey(l); return k && same(k, w); });
        if (i < 0) out.push(render(w));
        else if (out[i] !== render(w)) out[i] = render(w);
      }
    }
    const after = out.length ? out.join('\n') + '\n' : '';
    const result = { user, key: str(args.key), keyfile: file, exclusive: bool(args.exclusive) };
    if (after === before && (st.exists || !present)) return { commands: [], result };
    if (!present && !st.exists) return { commands: [], result };
    const cmds: Command[] = [];
    const group = f.get('pgroup') || undefined;
    if (f.get('dir') !== '1') {
      if (!bool(args.manage_dir, true)) return { commands: [], result, failed: `${file}: directory does not exist (manage_dir is off)` };
      cmds.push(exec(sh`d="$(dirname -- ${file})" && mkdir -m 700 -- "$d" && chown ${`${user}${group ? ':' + group : ''}`} -- "$d"`));
    }
    cmds.push({ kind: 'write', path: file, content: Buffer.from(after), mode: '0600', owner: user, group });
    return { commands: cmds, result, diff: ctx.diff ? fileDiff(file, Buffer.from(before), Buffer.from(after)) : undefined };
  },
};
