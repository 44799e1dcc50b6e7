import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { quote } from '../commands/quote.js';
import type { Secret } from '../commands/secret.js';
import { FrameReader } from './frame-reader.js';
import { killTreeScript } from './kill-tree.js';
import { type ExecOptions, type ExecResult, UnreachableError } from './types.js';

/** A running `sh` reading commands on stdin, however it was started (SSH channel or local process). */
export interface ShellTransport {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Called once when the shell or its channel is gone. */
  onClose(cb: (why: string) => void): void;
  /** Run a short script outside the session (fed to a fresh sh on stdin, so nothing shows in ps). */
  runSide(script: string): Promise<void>;
  close(): void;
}

/** The first reason a transport closed, told to every listener, early or late. */
export function closeSignal(): { closed: (why: string) => void; onClose: (cb: (why: string) => void) => void } {
  const listeners: Array<(why: string) => void> = [];
  let closedWhy: string | undefined;
  return {
    closed(why) {
      if (closedWhy !== undefined) return;
      closedWhy = why;
      for (const cb of listeners) cb(why);
    },
    onClose: (cb) => (closedWhy !== undefined ? cb(closedWhy) : void listeners.push(cb)),
  };
}

/** If a killed command's frame never completes, the session is given up after this long. */
const KILL_GRACE_MS = 15_000;
const START_TIMEOUT_MS = 30_000;

const newMarker = (): string => 'RACK' + randomBytes(12).toString('hex');

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('aborted'), { name: 'AbortError' });
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\n');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One long-lived `sh` per host. Each command runs in its own subshell (cd, set, exports do not
 * leak), with stdin from a base64 heredoc or /dev/null, and ends with random markers on stdout
 * (preceded by the 3-digit exit code) and stderr so output of any bytes is split exactly.
 */
export class ShellSession {
  private readonly out = new FrameReader();
  private readonly err = new FrameReader();
  private queue: Promise<void> = Promise.resolve();
  private dead?: string;
  private shellPid = 0;
  private loginUid = -1;
  private loginUser = '';
  private sudoNeedsPassword?: boolean;

  private constructor(
    readonly host: string,
    private readonly transport: ShellTransport,
    private readonly becomePassword?: Secret,
  ) {
    transport.stdout.on('data', (c: Buffer) => this.out.push(c));
    transport.stderr.on('data', (c: Buffer) => this.err.push(c));
    transport.onClose((why) => {
      this.dead ??= why;
      const e = this.deadError();
      this.out.fail(e);
      this.err.fail(e);
    });
    // A write after the shell exited reports EPIPE here; the close handler explains it.
    transport.stdin.on('error', () => {});
  }

  static async start(host: string, transport: ShellTransport, becomePassword?: Secret): Promise<ShellSession> {
    const s = new ShellSession(host, transport, becomePassword);
    const head = newMarker();
    const tail = newMarker();
    transport.stdin.write(`printf '%s %s %s %s%s' '${head}' "$$" "$(id -u)" "$(id -un)" '${tail}'; printf '%s' '${tail}' >&2\n`);
    // A shell that never answers (a broken login shell, a hung host) is given up, not waited on forever.
    const timer = setTimeout(() => s.close(), START_TIMEOUT_MS);
    const [frame] = await Promise.all([s.out.next(Buffer.from(tail)), s.err.next(Buffer.from(tail))]).finally(() =>
      clearTimeout(timer),
    );
    const text = frame.toString('latin1');
    const info = text.slice(text.indexOf(head) + head.length, -tail.length).trim().split(' ');
    s.shellPid = Number(info[0]);
    s.loginUid = Number(info[1]);
    s.loginUser = info[2] ?? '';
    return s;
  }

  get user(): string {
    return this.loginUser;
  }

  get alive(): boolean {
    return !this.dead;
  }

  close(): void {
    this.dead ??= 'connection closed';
    this.transport.close();
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.dead) return Promise.reject(this.deadError());
    const { signal, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<ExecResult>((resolve, reject) => {
      let started = false;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let stop: ((e: Error) => void) | undefined;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      // A started command is killed first and only then rejected, so nobody closes the
      // connection under a command that is still writing (its traps must run).
      let cancelled: Error | undefined;
      const cancel = (e: Error): void => {
        if (!started) return finish(() => reject(e));
        cancelled ??= e;
        stop?.(e);
      };
      const onAbort = (): void => cancel(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => cancel(new Error(`command timed out after ${timeoutMs} ms on ${this.host}`)), timeoutMs);
      }
      this.queue = this.queue.then(async () => {
        if (settled) return;
        if (this.dead) return finish(() => reject(this.deadError()));
        started = true;
        try {
          const result = await this.run(script, opts, (hook) => {
            stop = hook;
            if (cancelled) hook(cancelled); // cancelled while sudo was being probed
          });
          finish(() => (cancelled ? reject(cancelled) : resolve(result)));
        } catch (e) {
          finish(() => reject(cancelled ?? (e as Error)));
        }
      });
    });
  }

  private deadError(): UnreachableError {
    return new UnreachableError(this.host, `connection to ${this.host} lost: ${this.dead ?? 'shell exited'}`);
  }

  private needsSudo(opts: ExecOptions): boolean {
    if (!opts.become) return false;
    const target = opts.becomeUser ?? 'root';
    if (target === this.loginUser) return false;
    return !(target === 'root' && this.loginUid === 0);
  }

  /** Passwordless sudo is used when it works, even if a password was given; asked once per session. */
  private async sudoPasswordNeeded(): Promise<boolean> {
    if (!this.becomePassword || this.loginUid === 0) return false;
    if (this.sudoNeedsPassword === undefined) {
      const probe = await this.runFramed('sudo -n true </dev/null >/dev/null 2>&1');
      this.sudoNeedsPassword = probe.rc !== 0;
    }
    return this.sudoNeedsPassword;
  }

  private sudoPrefix(user: string, withPassword: boolean): string {
    return withPassword ? `sudo -k -S -p '' -u ${quote(user)} --` : `sudo -n -u ${quote(user)} --`;
  }

  private async run(script: string, opts: ExecOptions, onStop: (hook: (e: Error) => void) => void): Promise<ExecResult> {
    const env = Object.entries(opts.env ?? {});
    const bad = env.find(([k]) => !ENV_NAME.test(k));
    if (bad) throw new Error(`invalid environment variable name '${bad[0]}'`);
    const exports = env.length ? `export ${env.map(([k, v]) => `${k}=${quote(v)}`).join(' ')}\n` : '';
    const sudo = this.needsSudo(opts);
    const withPassword = sudo && (await this.sudoPasswordNeeded());
    const feed: string[] = [];
    let body: string;
    if (sudo) {
      body = `${this.sudoPrefix(opts.becomeUser ?? 'root', withPassword)} sh -c ${quote(exports + script)}`;
      if (withPassword) feed.push(`printf '%s\\n' ${quote(this.becomePassword!.reveal())}`);
    } else {
      body = `${exports}eval ${quote(script)}`;
    }
    if (opts.stdin !== undefined && opts.stdin.length > 0) {
      const data = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin;
      const end = newMarker();
      feed.push(`base64 -d <<'${end}'\n${base64Lines(data)}\n${end}`);
    }
    const command = feed.length ? `{ ${feed.join('\n')}\n} | (${body})` : `(${body}) </dev/null`;
    onStop((_e) => void this.killRunning(sudo, withPassword));
    return this.runFramed(command);
  }

  /** Send one command line and wait for both markers. */
  private async runFramed(command: string): Promise<ExecResult> {
    const m = newMarker();
    const marker = Buffer.from(m);
    const frames = Promise.all([this.out.next(marker), this.err.next(marker)]);
    this.transport.stdin.write(`${command}\nprintf '%03d%s' "$?" '${m}'; printf '%s' '${m}' >&2\n`);
    const [out, err] = await frames;
    const rcEnd = out.length - marker.length;
    return {
      stdout: out.subarray(0, rcEnd - 3),
      stderr: err.subarray(0, err.length - marker.length),
      rc: Number(out.subarray(rcEnd - 3, rcEnd).toString('latin1')),
    };
  }

  /** Kill the running command's process tree; if its frame never completes, give the session up. */
  private async killRunning(sudo: boolean, withPassword: boolean): Promise<void> {
    let script = killTreeScript(this.shellPid);
    if (sudo && this.loginUid !== 0) {
      const su = `${this.sudoPrefix('root', withPassword)} sh -c ${quote(script)}`;
      script = withPassword ? `printf '%s\\n' ${quote(this.becomePassword!.reveal())} | ${su}\n` : `${su} </dev/null\n`;
    }
    const grace = setTimeout(() => this.close(), KILL_GRACE_MS);
    const settled = this.queue.then(() => clearTimeout(grace));
    try {
      await this.transport.runSide(script);
    } catch {
      this.close();
    }
    await settled;
  }
}
