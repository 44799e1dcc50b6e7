import { sh, ShellText, joinShell } from '../../commands/quote.js';

/** What a file probe learned about one path. */
export interface FileState {
  exists: boolean;
  /** 'file' | 'directory' | 'link' | 'other' */
  type?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  size?: number;
  mtime?: number;
  atime?: number;
  ctime?: number;
  inode?: number;
  dev?: number;
  nlink?: number;
  linkTarget?: string;
  checksum?: string;
  content?: Buffer;
}

export interface StatOptions {
  /** Key prefix, so one probe can describe several paths. */
  prefix?: string;
  follow?: boolean;
  /** Checksum program for regular files. */
  checksum?: 'sha1' | 'sha256' | 'md5' | 'sha512';
  /** Include the content (base64): always, or only when at most `maxContent` bytes. */
  content?: boolean;
  maxContent?: number;
}

export const DIFF_LIMIT = 256 * 1024;

/**
 * Read-only shell text printing `<prefix>key=value` lines about `path` (a quoted string,
 * or ShellText for an expression already computed in the probe, like "$p").
 */
export function statScript(path: string | ShellText, o: StatOptions = {}): ShellText {
  const p = o.prefix ?? '';
  const q = typeof path === 'string' ? sh`${path}` : path;
  const L = o.follow ? '-L ' : '';
  const there = o.follow ? sh`[ -e ${q} ]` : sh`{ [ -e ${q} ] || [ -L ${q} ]; }`;
  const fmt = ['exists=1', 'ftype=%F', 'mode=%a', 'uid=%u', 'gid=%g', 'owner=%U', 'group=%G', 'size=%s', 'mtime=%Y', 'atime=%X', 'ctime=%Z', 'inode=%i', 'dev=%d', 'nlink=%h']
    .map((x) => p + x)
    .join('\\n');
  const parts: ShellText[] = [
    new ShellText(`stat ${L}--printf '${fmt}\\n' -- ${q.text}`, `stat ${L}... ${q.shown}`),
    new ShellText(`if [ -L ${q.text} ]; then printf '${p}link_target=%s\\n' "$(readlink ${q.text})"; fi`, `readlink ${q.shown}`),
  ];
  if (o.checksum)
    parts.push(new ShellText(`if [ -f ${q.text} ] && [ -r ${q.text} ]; then printf '${p}checksum=%s\\n' "$(${o.checksum}sum < ${q.text} | cut -d' ' -f1)"; fi`, `${o.checksum}sum ${q.shown}`));
  if (o.content) {
    const small = o.maxContent !== undefined ? ` && [ "$(stat ${L}-c %s -- ${q.text})" -le ${o.maxContent} ]` : '';
    parts.push(new ShellText(`if [ -f ${q.text} ]${small}; then printf '${p}content=%s\\n' "$(base64 -w0 < ${q.text})"; fi`, `base64 ${q.shown}`));
  }
  const body = joinShell(parts, '; ');
  return new ShellText(
    `if ${there.text}; then ${body.text}; else echo '${p}exists=0'; fi`,
    `if ${there.shown}; then ${body.shown}; else echo '${p}exists=0'; fi`,
  );
}

/** key=value lines of a probe (the first '=' splits). */
export function parseFields(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

const num = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : Number(s));

function kind(ftype: string | undefined): string {
  if (!ftype) return 'other';
  if (ftype.startsWith('regular')) return 'file';
  if (ftype === 'directory') return 'directory';
  if (ftype === 'symbolic link') return 'link';
  return ftype;
}

export function parseFileState(fields: Map<string, string>, prefix = ''): FileState {
  const g = (k: string) => fields.get(prefix + k);
  if (g('exists') !== '1') return { exists: false };
  const st: FileState = {
    exists: true,
    type: kind(g('ftype')),
    mode: g('mode') !== undefined ? parseInt(g('mode')!, 8) : undefined,
    uid: num(g('uid')),
    gid: num(g('gid')),
    owner: g('owner'),
    group: g('group'),
    size: num(g('size')),
    mtime: num(g('mtime')),
    atime: num(g('atime')),
    ctime: num(g('ctime')),
    inode: num(g('inode')),
    dev: num(g('dev')),
    nlink: num(g('nlink')),
  };
  if (g('link_target') !== undefined) st.linkTarget = g('link_target');
  if (g('checksum') !== undefined) st.checksum = g('checksum');
  if (g('content') !== undefined) st.content = Buffer.from(g('content')!, 'base64');
  return st;
}

export const probeFile = (stdout: string | undefined, prefix = ''): FileState => parseFileState(parseFields(stdout ?? ''), prefix);
