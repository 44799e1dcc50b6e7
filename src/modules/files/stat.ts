import { sh, joinShell } from '../../commands/quote.js';
import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { octalString } from '../util/mode.js';
import { parseFields, parseFileState, statScript } from '../util/probe.js';

type Algo = 'sha1' | 'sha256' | 'md5' | 'sha512';

export const stat: ModuleDef = {
  name: 'stat',
  readOnly: true,
  probe(args) {
    const path = str(args.path)!;
    const algo = (str(args.checksum_algorithm) ?? 'sha1') as Algo;
    return joinShell(
      [
        statScript(path, { follow: bool(args.follow), checksum: bool(args.get_checksum, true) ? algo : undefined }),
        // access as the connecting (or become) user, like the kernel will judge it
        sh`[ -r ${path} ] && echo readable=1; [ -w ${path} ] && echo writeable=1; [ -x ${path} ] && echo executable=1; true`,
      ],
      '\n',
    );
  },
  plan(args, probe) {
    const f = parseFields(probe?.stdout ?? '');
    const st = parseFileState(f);
    const path = str(args.path)!;
    if (!st.exists) return { commands: [], result: { stat: { exists: false } } };
    const mode = st.mode ?? 0;
    const bit = (b: number) => (mode & b) !== 0;
    const ftype = f.get('ftype') ?? '';
    const s: Record<string, unknown> = {
      exists: true,
      path,
      mode: octalString(mode),
      isdir: st.type === 'directory',
      isreg: st.type === 'file',
      islnk: st.type === 'link',
      isblk: ftype === 'block special file',
      ischr: ftype === 'character special file',
      isfifo: ftype === 'fifo',
      issock: ftype === 'socket',
      uid: st.uid,
      gid: st.gid,
      pw_name: st.owner,
      gr_name: st.group,
      owner: st.owner,
      group: st.group,
      size: st.size,
      mtime: st.mtime,
      atime: st.atime,
      ctime: st.ctime,
      inode: st.inode,
      dev: st.dev,
      nlink: st.nlink,
      isuid: bit(0o4000),
      isgid: bit(0o2000),
      rusr: bit(0o400),
      wusr: bit(0o200),
      xusr: bit(0o100),
      rgrp: bit(0o40),
      wgrp: bit(0o20),
      xgrp: bit(0o10),
      roth: bit(0o4),
      woth: bit(0o2),
      xoth: bit(0o1),
      readable: f.get('readable') === '1',
      writeable: f.get('writeable') === '1',
      executable: f.get('executable') === '1',
    };
    if (st.linkTarget !== undefined) {
      s.lnk_source = st.linkTarget;
      s.lnk_target = st.linkTarget;
    }
    if (st.checksum !== undefined) s.checksum = st.checksum;
    return { commands: [], result: { stat: s } };
  },
};
