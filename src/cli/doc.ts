import { formatDiagnostic, RackError } from '../errors.js';
import { modules, type ArgSchema } from '../schema/modules.js';
import { helpText, parseArgs, usageError, type OptionSpecs } from './args.js';

interface DocIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function typeName(p: ArgSchema): string {
  const t = p.type ?? (p.enum ? 'enum' : 'any');
  const base = Array.isArray(t) ? t.join('|') : t;
  return base === 'array' && p.items?.type ? `list of ${String(p.items.type)}` : base === 'array' ? 'list' : base === 'object' ? 'dict' : base;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.min(28, Math.max(...rows.map((r) => r[i].length))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

const USAGE = 'usage: rack doc MODULE | rack doc --list';
const SPECS: OptionSpecs = {
  list: { kind: 'bool', short: 'l', help: 'every module with its summary' },
  help: { kind: 'bool', short: 'h', help: 'show this help' },
};

/** `rack doc MODULE` (arguments and an example, from the module's schema) and `rack doc --list`. */
export async function docMain(argv: string[], io: DocIo): Promise<number> {
  try {
    return doc(argv, io);
  } catch (e) {
    if (!(e instanceof RackError)) throw e;
    for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
    return 1;
  }
}

function doc(argv: string[], io: DocIo): number {
  const { positional, opts } = parseArgs(argv, SPECS, 'doc');
  if (opts.help) {
    io.stdout.write(helpText(USAGE, SPECS));
    return 0;
  }
  const reg = modules();
  if (opts.list) {
    if (positional.length) throw usageError('doc', '--list takes no module name', USAGE);
    const rows = reg.names().map((n) => [n, reg.meta(n).summary ?? reg.schema(n)?.description ?? '']);
    io.stdout.write(table(rows) + '\n');
    return 0;
  }
  if (positional.length !== 1) throw usageError('doc', positional.length ? 'give one module at a time' : 'which module?', 'e.g. rack doc copy, or rack doc --list');
  const name = positional[0];
  const schema = reg.schema(name);
  if (!schema) {
    io.stderr.write(formatDiagnostic({ code: 'E_UNKNOWN_MODULE', message: `unknown module '${name}'`, hint: reg.suggest(name) ?? "run 'rack doc --list'" }) + '\n');
    return 1;
  }
  const meta = reg.meta(name);
  const canon = reg.canonical(name);
  const required = new Set(schema.required ?? []);
  const rows = [['ARGUMENT', 'TYPE', 'REQUIRED', 'DEFAULT', 'CHOICES', 'DESCRIPTION']];
  for (const [arg, p] of Object.entries(schema.properties ?? {})) {
    const aliases = meta.aliases?.[arg] ?? [];
    rows.push([
      arg + (aliases.length ? ` (${aliases.join(', ')})` : ''),
      typeName(p),
      required.has(arg) ? 'yes' : '',
      p.default === undefined ? '' : JSON.stringify(p.default),
      p.enum ? p.enum.map(String).join(', ') : '',
      p.description ?? '',
    ]);
  }
  const out = [`${canon}: ${meta.summary ?? schema.description ?? ''}`, ''];
  if (meta.free_form) out.push(`Takes free text as '${meta.free_form}' (e.g. '${canon}: ...').`, '');
  out.push(table(rows));
  if (meta.example) out.push('', 'Example:', '', meta.example.trimEnd());
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}
