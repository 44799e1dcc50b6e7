import { createHash } from 'node:crypto';
import { quote } from '../commands/quote.js';
import type { Command, WriteCommand } from '../commands/types.js';
import type { Connection, ExecOptions } from '../connection/types.js';

export interface ApplyOptions {
  become?: boolean;
  becomeUser?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApplyResult {
  ok: boolean;
  rc: number;
  /** Output of commands marked capture, plus everything from a failing command. */
  stdout: string;
  stderr: string;
  /** What failed, as shown to users (secrets masked). */
  failedCommand?: string;
  /** Where a write with backup kept the old file. */
  backupFile?: string;
}

const BACKUP_MARK = 'rack-backup=';

/**
 * One sh script that writes stdin to `path` atomically: a temp file in the same directory
 * gets the content, mode, owner and group, passes validate, then is renamed over path.
 * Any failure or signal removes the temp file, so a half-written file never replaces path.
 */
export function writeScript(w: WriteCommand, expectSha256: string | undefined = createHash('sha256').update(w.content).digest('hex')): string {
  const dest = quote(w.path);
  const lines = [
    `d=$(dirname -- ${dest}) || exit 1`,
    `t=$(mktemp "$d/.rack-tmp-XXXXXX") || exit 1`,
    `trap 'rm -f -- "$t"' EXIT`,
    `trap 'exit 130' INT TERM HUP PIPE`,
    `cat > "$t" || exit 1`,
  ];
  // A transfer cut short (Ctrl-C, lost connection) must never replace the file.
  if (expectSha256)
    lines.push(`[ "$(sha256sum < "$t" | cut -d' ' -f1)" = ${expectSha256} ] || { echo 'incomplete transfer: file left unchanged' >&2; exit 1; }`);
  if (w.mode) lines.push(`chmod ${quote(w.mode)} "$t" || exit 1`);
  // Without a requested mode, keep the old file's mode, or give a new one the umask default.
  else lines.push(`if [ -e ${dest} ]; then chmod --reference=${dest} "$t"; else chmod "$(printf %o $((0666 & ~0$(umask))))" "$t"; fi || exit 1`);
  if (!w.owner || !w.group)
    // Keep the old file's owner/group where none was asked for (may be refused when not root).
    lines.push(`if [ -e ${dest} ]; then chown --reference=${dest} "$t" 2>/dev/null; fi`);
  if (w.owner || w.group) lines.push(`chown ${quote(`${w.owner ?? ''}${w.group ? ':' + w.group : ''}`)} "$t" || exit 1`);
  if (w.validate) {
    const check = w.validate.includes('%s') ? w.validate.split('%s').join('"$t"') : `${w.validate} "$t"`;
    lines.push(`( ${check} ) || { rc=$?; echo "validation failed (rc=$rc): " ${quote(w.validate)} >&2; exit $rc; }`);
  }
  if (w.backup)
    lines.push(
      `if [ -e ${dest} ]; then b=${dest}.$(date +%Y-%m-%d@%H:%M:%S)~; cp -p -- ${dest} "$b" || exit 1; echo "${BACKUP_MARK}$b"; fi`,
    );
  lines.push(`mv -f -- "$t" ${dest} || exit 1`);
  return lines.join('\n') + '\n';
}

/** Run a plan's commands in order on one host; stop at the first failure. */
export async function applyCommands(conn: Connection, commands: Command[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const base: ExecOptions = { become: opts.become, becomeUser: opts.becomeUser, env: opts.env, signal: opts.signal };
  let stdout = '';
  let stderr = '';
  let rc = 0;
  let backupFile: string | undefined;
  for (const c of commands) {
    if (opts.signal?.aborted) return { ok: false, rc: 130, stdout, stderr, failedCommand: 'interrupted', backupFile };
    if (c.kind === 'exec') {
      const r = await conn.exec(c.cmd.text, { ...base, stdin: c.stdin });
      rc = r.rc;
      const ok = (c.okCodes ?? [0]).includes(r.rc);
      if (c.capture || !ok) {
        stdout += r.stdout.toString('utf8');
        stderr += r.stderr.toString('utf8');
      }
      if (!ok) return { ok: false, rc, stdout, stderr, failedCommand: c.cmd.shown, backupFile };
    } else {
      const r = await conn.exec(writeScript(c), { ...base, stdin: c.content });
      rc = r.rc;
      const out = r.stdout.toString('utf8');
      const mark = out.split('\n').find((l) => l.startsWith(BACKUP_MARK));
      if (mark) backupFile = mark.slice(BACKUP_MARK.length);
      if (r.rc !== 0) {
        stdout += out;
        stderr += r.stderr.toString('utf8');
        return { ok: false, rc, stdout, stderr, failedCommand: `write ${c.path}`, backupFile };
      }
    }
  }
  return { ok: true, rc, stdout, stderr, backupFile };
}
