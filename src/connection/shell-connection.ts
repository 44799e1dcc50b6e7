import { quote } from '../commands/quote.js';
import type { ShellSession } from './shell-session.js';
import type { Connection, ExecOptions, ExecResult } from './types.js';

/** Reads a file without the shell (SFTP, local fs); used when no become is asked. */
export type DirectReader = (path: string) => Promise<Buffer>;

/** A Connection over one persistent shell session (started lazily on first use). */
export class ShellConnection implements Connection {
  private session?: Promise<ShellSession>;

  constructor(
    readonly name: string,
    private readonly startSession: () => Promise<ShellSession>,
    private readonly readDirect: DirectReader,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  private shell(): Promise<ShellSession> {
    this.session ??= this.startSession();
    return this.session;
  }

  async exec(script: string, opts?: ExecOptions): Promise<ExecResult> {
    return (await this.shell()).exec(script, opts);
  }

  async get(path: string, opts: { become?: boolean } = {}): Promise<Buffer> {
    if (!opts.become) {
      try {
        return await this.readDirect(path);
      } catch (e) {
        throw new Error(`cannot read ${path} on ${this.name}: ${(e as Error).message}`);
      }
    }
    const r = await this.exec(`cat -- ${quote(path)}`, { become: true });
    if (r.rc !== 0) throw new Error(`cannot read ${path} on ${this.name}: ${r.stderr.toString().trim() || `rc ${r.rc}`}`);
    return r.stdout;
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) (await s.catch(() => undefined))?.close();
    await this.onClose();
  }
}
