import { RackError, didYouMean } from '../errors.js';

/**
 * bool: `--x`, `--x=false`. string: one value. list: repeatable. count: `-vv`.
 * optional: `--x` alone is true; `--x=V`, or `--x V` when V does not look like an option, gives V.
 */
export type OptionKind = 'bool' | 'string' | 'list' | 'count' | 'optional';
export interface OptionSpec {
  kind: OptionKind;
  short?: string;
  help?: string;
}
export type OptionSpecs = Record<string, OptionSpec>;

export interface Parsed {
  positional: string[];
  opts: Record<string, string | string[] | boolean | number | undefined>;
}

/** A usage error of `rack COMMAND`: printed as a diagnostic, exit 1. */
export function usageError(command: string, message: string, hint?: string): RackError {
  return new RackError({ code: 'E_USAGE', message: `${command}: ${message}`, hint: hint ?? `see rack ${command} --help` });
}

/** `-x` or `--x...`; a lone `-` (stdin/stdout) and negative numbers are values. */
const looksLikeOption = (a: string) => a.length > 1 && a.startsWith('-') && !/^-\d/.test(a);

/**
 * Parse `--name value`, `--name=value`, `-x value`, `-xvalue`, `-vv`; `--` ends options.
 * Unknown options and missing values are E_USAGE errors with a hint.
 */
export function parseArgs(argv: string[], specs: OptionSpecs, command: string): Parsed {
  const byShort = new Map(Object.entries(specs).flatMap(([n, s]) => (s.short ? [[s.short, n] as const] : [])));
  const opts: Parsed['opts'] = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    /** The next word as the value of `flag`; a word that looks like an option is not taken. */
    const next = (flag: string, name: string): string => {
      const v = argv[i + 1];
      if (v === undefined || looksLikeOption(v))
        throw usageError(command, `option ${flag} needs a value`, v === undefined ? undefined : `write --${name}=${v} if the value starts with '-'`);
      i++;
      return v;
    };
    const set = (flag: string, name: string, value: string | undefined) => {
      const spec = specs[name];
      if (spec.kind === 'bool') opts[name] = value === undefined ? true : !/^(false|no|0)$/i.test(value);
      else if (spec.kind === 'count') opts[name] = ((opts[name] as number) ?? 0) + 1;
      else if (spec.kind === 'optional') {
        const v = argv[i + 1];
        opts[name] = value ?? (v !== undefined && !looksLikeOption(v) && v !== '--' ? argv[++i] : true);
      } else {
        const v = value ?? next(flag, name);
        if (spec.kind === 'list') opts[name] = [...((opts[name] as string[]) ?? []), v];
        else opts[name] = v;
      }
    };
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, value] = a.slice(2).split(/=(.*)/s, 2);
      if (!Object.hasOwn(specs, name)) throw usageError(command, `unknown option --${name}`, didYouMean(`--${name}`, Object.keys(specs).map((n) => `--${n}`)));
      set(`--${name}`, name, value);
    } else if (looksLikeOption(a)) {
      const letters = a.slice(1);
      for (let k = 0; k < letters.length; k++) {
        const name = byShort.get(letters[k]);
        if (!name) {
          const longs = Object.keys(specs).map((n) => `--${n}`);
          throw usageError(command, `unknown option -${letters[k]}`, letters.length > 1 ? didYouMean(`-${a}`, longs) : undefined);
        }
        const kind = specs[name].kind;
        if (kind === 'string' || kind === 'list' || kind === 'optional') {
          const rest = letters.slice(k + 1);
          set(`-${letters[k]}`, name, rest === '' ? undefined : rest);
          break;
        }
        set(`-${letters[k]}`, name, undefined);
      }
    } else positional.push(a);
  }
  return { positional, opts };
}

export function helpText(usage: string, specs: OptionSpecs): string {
  const flags = Object.entries(specs).map(([n, s]) => {
    const value = s.kind === 'string' || s.kind === 'list' ? ' VALUE' : s.kind === 'optional' ? ' [VALUE]' : '';
    return [`${s.short ? `-${s.short}, ` : '    '}--${n}${value}`, s.help ?? ''];
  });
  const width = Math.max(30, ...flags.map(([f]) => f.length + 1));
  const rows = flags.map(([flag, help]) => `  ${flag.padEnd(width)} ${help}`.trimEnd());
  return `${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}
