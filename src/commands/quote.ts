import { Secret } from './secret.js';

/** POSIX sh single-quoting: safe for any byte string except NUL. */
export function quote(s: string | number): string {
  const str = String(s);
  if (str !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(str)) return str;
  return `'${str.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shell text whose secret parts are known: `text` runs on the host, `shown` goes to logs.
 * Build it with sh`...` so every interpolated value is quoted.
 */
export class ShellText {
  constructor(
    readonly text: string,
    readonly shown: string = text,
  ) {}
  toString(): string {
    return this.shown;
  }
}

type Part = string | number | Secret | ShellText | Array<string | number | Secret>;

function part(v: Part): [string, string] {
  if (v instanceof ShellText) return [v.text, v.shown];
  if (v instanceof Secret) return [quote(v.reveal()), String(v)];
  if (Array.isArray(v)) {
    const ps = v.map((x) => part(x));
    return [ps.map((p) => p[0]).join(' '), ps.map((p) => p[1]).join(' ')];
  }
  const q = quote(v);
  return [q, q];
}

/** Tagged template: sh`mkdir -p ${path}` quotes path; arrays become quoted words. */
export function sh(strings: TemplateStringsArray, ...values: Part[]): ShellText {
  let text = strings[0];
  let shown = strings[0];
  values.forEach((v, i) => {
    const [t, s] = part(v);
    text += t + strings[i + 1];
    shown += s + strings[i + 1];
  });
  return new ShellText(text, shown);
}

/** Raw shell text written by the user (command/shell modules): run as given. */
export function raw(text: string): ShellText {
  return new ShellText(text);
}

export function joinShell(parts: ShellText[], sep = ' && '): ShellText {
  return new ShellText(parts.map((p) => p.text).join(sep), parts.map((p) => p.shown).join(sep));
}
