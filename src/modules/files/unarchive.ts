import { sh, ShellText } from '../../commands/quote.js';
import { exec, type Command } from '../../commands/types.js';
import { bool, list, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { parseFields } from '../util/probe.js';
import { archiveKind, members, type Member } from './archive.js';

const ROW = 'entry=';

/** What dest already holds: relative path, kind, size, owner and group of every entry. */
function destListing(stdout: string): Map<string, { type: string; size: number; owner: string; group: string }> {
  const m = new Map<string, { type: string; size: number; owner: string; group: string }>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(ROW)) continue;
    const [type, size, owner, group, ...rest] = line.slice(ROW.length).split('\t');
    m.set(rest.join('\t'), { type, size: Number(size), owner, group });
  }
  return m;
}

/** tar cannot guess the compression of an archive arriving on stdin: name it. */
function compressionFlag(d: Buffer): string[] {
  if (d[0] === 0x1f && d[1] === 0x8b) return ['-z'];
  if (d.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return ['-J'];
  if (d.subarray(0, 3).toString('latin1') === 'BZh') return ['-j'];
  if (d.length > 4 && d.readUInt32LE(0) === 0xfd2fb528) return ['--zstd'];
  return [];
}

const KIND: Record<Member['type'], string> = { file: 'f', dir: 'd', link: 'l' };

export const unarchive: ModuleDef = {
  name: 'unarchive',
  probe(args) {
    const dest = str(args.dest)!;
    const creates = str(args.creates);
    const src = str(args.src)!;
    const remote = bool(args.remote_src)
      ? sh`if [ -f ${src} ]; then echo src=1; printf 'listing=%s\\n' "$(case ${src} in *.zip|*.ZIP) unzip -Z1 -- ${src} | base64 -w0;; *) tar -tvf ${src} --numeric-owner | base64 -w0;; esac)"; fi; `
      : sh``;
    return sh`${creates ? sh`if [ -e ${creates} ]; then echo creates=1; fi; ` : sh``}if [ -d ${dest} ]; then echo dest=1; find ${dest} -mindepth 1 -printf '${new ShellText(ROW)}%y\\t%s\\t%u\\t%g\\t%P\\n'; fi; ${remote}true`;
  },
  async plan(args, probe, ctx) {
    const dest = str(args.dest)!;
    const src = str(args.src)!;
    const f = parseFields(probe?.stdout ?? '');
    const result: Record<string, unknown> = { dest, src };
    if (args.creates !== undefined && f.get('creates') === '1') return { commands: [], result: { ...result, msg: `skipped, since ${str(args.creates)} exists` } };
    if (f.get('dest') !== '1') return { commands: [], result, failed: `dest ${dest} must be an existing directory` };
    const have = destListing(probe?.stdout ?? '');
    const remote = bool(args.remote_src);
    let mem: Member[];
    let data: Buffer | undefined;
    const kind = archiveKind(src);
    if (remote) {
      if (f.get('src') !== '1') return { commands: [], result, failed: `src ${src} does not exist on the host` };
      // Remote archives are listed on the host; sizes are compared only for local ones.
      const listing = Buffer.from(f.get('listing') ?? '', 'base64').toString('utf8').split('\n').filter(Boolean);
      mem = listing.map((l) => {
        const name = kind === 'zip' ? l : l.split(/\s+/).slice(5).join(' ').replace(/ -> .*$/, '');
        const isDir = kind === 'zip' ? l.endsWith('/') : l.startsWith('d');
        return { path: name.replace(/^(\.\/)+/, '').replace(/\/+$/, ''), type: isDir ? 'dir' : 'file', size: -1 } as Member;
      });
    } else {
      try {
        data = await ctx.readLocal(src);
        mem = members(archiveKind(src, data), data);
      } catch (e) {
        return { commands: [], result, failed: `could not read archive ${src}: ${(e as Error).message}` };
      }
    }
    const excluded = list(args.exclude);
    mem = mem.filter((m) => m.path && !excluded.includes(m.path));
    if (bool(args.list_files)) result.files = mem.map((m) => m.path);
    const owner = str(args.owner);
    const group = str(args.group);
    const missing = mem.filter((m) => {
      const h = have.get(m.path);
      return !h || h.type !== KIND[m.type] || (m.type === 'file' && m.size >= 0 && h.size !== m.size);
    });
    const ownership = mem.some((m) => {
      const h = have.get(m.path);
      return h && ((owner && h.owner !== owner) || (group && h.group !== group));
    });
    const cmds: Command[] = [];
    const extra = list(args.extra_opts);
    const keep = bool(args.keep_newer) ? ['--keep-newer-files'] : [];
    const ex = excluded.flatMap((e) => ['--exclude', e]);
    if (missing.length) {
      const zipKind = remote ? kind === 'zip' : archiveKind(src, data) === 'zip';
      if (zipKind) {
        const unzip = sh`unzip -o -q ${extra} "$t" -d ${dest} ${excluded.length ? ['-x', ...excluded] : []}`;
        cmds.push(
          remote
            ? exec(new ShellText(`t=${sh`${src}`.text}; ${unzip.text}`, `unzip ${src}`))
            : exec(new ShellText(`t=$(mktemp) || exit 1; trap 'rm -f -- "$t"' EXIT; cat > "$t" && ${unzip.text}`, `unzip ${src} into ${dest}`), { stdin: data }),
        );
      } else cmds.push(remote ? exec(sh`tar -xf ${src} -C ${dest} --no-same-owner ${keep} ${ex} ${extra}`) : exec(sh`tar -x ${compressionFlag(data!)} -f - -C ${dest} --no-same-owner ${keep} ${ex} ${extra}`, { stdin: data }));
    }
    if (owner || group) {
      if (missing.length || ownership) {
        const targets = [...new Set(mem.map((m) => m.path.split('/')[0]))].map((p) => `${dest.replace(/\/+$/, '')}/${p}`);
        cmds.push(exec(sh`chown -R ${`${owner ?? ''}${group ? ':' + group : ''}`} -- ${targets}`));
      }
    }
    return { commands: cmds, result };
  },
};
