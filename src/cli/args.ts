import { RackError, didYouMean } from '../errors.js';

export type OptionKind = 'bool' | 'string' | 'list' | 'count';
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

/** Parse `--name value`, `--name=value`, `-x value`, `-vv`; unknown options are user errors with a hint. */
export function parseArgs(argv: string[], specs: OptionSpecs, command: string): Parsed {
  const byShort = new Map(Object.entries(specs).flatMap(([n, s]) => (s.short ? [[s.short, n] as const] : [])));
  const opts: Parsed['opts'] = {};
  const positional: string[] = [];
  const set = (name: string, value: string | undefined, next: () => string) => {
    const spec = specs[name];
    if (spec.kind === 'bool') opts[name] = value === undefined ? true : !/^(false|no|0)$/i.test(value);
    else if (spec.kind === 'count') opts[name] = ((opts[name] as number) ?? 0) + 1;
    else {
      const v = value ?? next();
      if (spec.kind === 'list') opts[name] = [...((opts[name] as string[]) ?? []), v];
      else opts[name] = v;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new RackError({ code: 'E_USAGE', message: `${command}: option ${a} needs a value` });
      return argv[++i];
    };
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, value] = a.slice(2).split(/=(.*)/s, 2);
      if (!specs[name])
        throw new RackError({
          code: 'E_USAGE',
          message: `${command}: unknown option --${name}`,
          hint: didYouMean(name, Object.keys(specs)) ?? `see rack ${command} --help`,
        });
      set(name, value, next);
    } else if (a.startsWith('-') && a.length > 1) {
      const letters = a.slice(1);
      for (let k = 0; k < letters.length; k++) {
        const name = byShort.get(letters[k]);
        if (!name) throw new RackError({ code: 'E_USAGE', message: `${command}: unknown option -${letters[k]}`, hint: `see rack ${command} --help` });
        if (specs[name].kind === 'string' || specs[name].kind === 'list') {
          const rest = letters.slice(k + 1);
          set(name, rest === '' ? undefined : rest, next);
          break;
        }
        set(name, undefined, next);
      }
    } else positional.push(a);
  }
  return { positional, opts };
}

export function helpText(usage: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([n, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${n}${s.kind === 'string' || s.kind === 'list' ? ' VALUE' : ''}`;
    return `  ${flag.padEnd(30)} ${s.help ?? ''}`;
  });
  return `${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}
