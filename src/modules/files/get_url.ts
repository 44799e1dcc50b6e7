import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { sh, ShellText, joinShell } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { attrCommands, newFileMode } from '../util/attrs.js';
import { parseFields, parseFileState, statScript } from '../util/probe.js';

const ALGOS = new Set(['sha1', 'sha256', 'sha512', 'md5', 'sha224', 'sha384']);

function parseChecksum(v: unknown): { algo: string; hex: string } | undefined {
  const s = str(v);
  if (!s) return undefined;
  const i = s.indexOf(':');
  const algo = s.slice(0, i).toLowerCase();
  return i > 0 && ALGOS.has(algo) ? { algo, hex: s.slice(i + 1).trim().toLowerCase() } : undefined;
}

const fileName = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'index.html');

export const getUrl: ModuleDef = {
  name: 'get_url',
  probe(args) {
    const dest = str(args.dest)!;
    const url = str(args.url)!;
    const sum = parseChecksum(args.checksum);
    return joinShell(
      [
        sh`d=${dest}; if [ -d "$d" ]; then d="\${d%/}/"${fileName(url)}; fi; printf 'path=%s\\n' "$d"`,
        statScript(new ShellText('"$d"'), { follow: true }),
        sum ? new ShellText(`if [ -f "$d" ]; then printf 'sum=%s\\n' "$(${sum.algo}sum < "$d" | cut -d' ' -f1)"; fi`) : new ShellText('true'),
      ],
      '\n',
    );
  },
  plan(args, probe, ctx) {
    const url = str(args.url)!;
    const sum = parseChecksum(args.checksum);
    if (args.checksum !== undefined && !sum) return { commands: [], failed: `checksum must be 'algorithm:hex' (e.g. sha256:...), got '${str(args.checksum)}'` };
    const f = parseFields(probe?.stdout ?? '');
    const path = f.get('path')!;
    const st = parseFileState(f);
    const result: Record<string, unknown> = { dest: path, url };
    const inState = st.exists && (sum ? f.get('sum') === sum.hex : !bool(args.force));
    if (inState) return { commands: attrCommands(path, st, args), result };
    const mode = newFileMode(args.mode);
    const owner = str(args.owner);
    const group = str(args.group);
    // A file named after its checksum in images/ is uploaded instead: offline nodes need no internet.
    if (sum) {
      const local = [join(ctx.imagesDir, sum.hex), join(ctx.imagesDir, `${sum.algo}-${sum.hex}`)].find((p) => existsSync(p));
      if (local) {
        result.rack_local_source = local;
        const content = readFileSync(local);
        const got = createHash(sum.algo).update(content).digest('hex');
        if (got !== sum.hex) return { commands: [], failed: `${local} does not match ${sum.algo}:${sum.hex} (got ${got})`, result };
        return { commands: [{ kind: 'write', path, content, mode: mode ?? '0644', owner, group, backup: bool(args.backup) }], result };
      }
    }
    const headers = Object.entries((args.headers as Record<string, unknown>) ?? {}).map(([k, v]) => `${k}: ${str(v)}`);
    const t = Number(args.timeout ?? 10);
    const insecure = !bool(args.validate_certs, true);
    const curl = sh`curl -fsSL ${insecure ? ['-k'] : []} --max-time ${t} ${headers.flatMap((h) => ['-H', h])} -o "$t" -- ${url}`;
    const wget = sh`wget -q ${insecure ? ['--no-check-certificate'] : []} -T ${t} ${headers.map((h) => `--header=${h}`)} -O "$t" -- ${url}`;
    const py = sh`python3 -c ${'import sys,urllib.request as u;open(sys.argv[2],"wb").write(u.urlopen(u.Request(sys.argv[1],headers=dict(h.split(": ",1) for h in sys.argv[4:])),timeout=float(sys.argv[3])).read())'} ${url} "$t" ${t} ${headers}`;
    const lines = [
      sh`t=$(mktemp "$(dirname -- ${path})/.rack-tmp-XXXXXX") || exit 1`.text,
      `trap 'rm -f -- "$t"' EXIT`,
      `trap 'exit 130' INT TERM HUP`,
      `if command -v curl >/dev/null; then ${curl.text}; elif command -v wget >/dev/null; then ${wget.text}; else ${py.text}; fi || { echo "download failed: ${url.replace(/["`$\\]/g, '')}" >&2; exit 1; }`,
    ];
    if (sum) lines.push(`s=$(${sum.algo}sum < "$t" | cut -d' ' -f1); [ "$s" = ${sh`${sum.hex}`.text} ] || { echo "checksum mismatch: got $s" >&2; exit 1; }`);
    lines.push(mode ? sh`chmod ${mode} "$t"`.text : `chmod 0644 "$t"`);
    if (owner || group) lines.push(sh`chown ${`${owner ?? ''}${group ? ':' + group : ''}`} "$t"`.text);
    if (bool(args.backup)) lines.push(sh`if [ -e ${path} ]; then cp -p -- ${path} ${path}.$(date +%Y-%m-%d@%H:%M:%S)~; fi`.text);
    lines.push(sh`mv -f -- "$t" ${path}`.text);
    const cmds: Command[] = [exec(new ShellText(lines.join('\n'), `download ${url} to ${path}`))];
    return { commands: cmds, result };
  },
};
