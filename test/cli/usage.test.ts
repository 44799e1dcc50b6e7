import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parseArgs, type OptionSpecs } from '../../src/cli/args.js';
import { RackError } from '../../src/errors.js';

async function rack(argv: string[]) {
  const r = await runCli(argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

// [command, a misspelt option and the option it should suggest, an option that takes a value]
const COMMANDS: Array<[string, string, string, string | undefined]> = [
  ['run', '--lmit', '--limit', '--limit'],
  ['check', '--jsn', '--json', '--inventory'],
  ['inventory', '--lst', '--list', '--host'],
  ['doc', '--lst', '--list', undefined],
  ['netboot', '--discovr', '--discover', '--mode'],
  ['lab', '--node', '--nodes', '--nodes'],
  ['vault', '--nam', '--name', '--name'],
  ['images', '--dri', '--dir', '--dir'],
];

describe('every command parses its arguments the same way', () => {
  it.each(COMMANDS)('rack %s: unknown option, missing value, --help', async (cmd, typo, suggestion, valued) => {
    const unknown = await rack([cmd, '--no-such-option']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain(`error E_USAGE: ${cmd}: unknown option --no-such-option\n  hint: see rack ${cmd} --help`);
    expect(unknown.out).toBe('');

    const near = await rack([cmd, 'x', typo]);
    expect(near.code).toBe(1);
    expect(near.err).toContain(`error E_USAGE: ${cmd}: unknown option ${typo}\n  hint: did you mean '${suggestion}'?`);

    const short = await rack([cmd, '-Z']);
    expect([short.code, short.err]).toEqual([1, expect.stringContaining(`error E_USAGE: ${cmd}: unknown option -Z`)]);

    if (valued) {
      const missing = await rack([cmd, valued]);
      expect(missing.code).toBe(1);
      expect(missing.err).toContain(`error E_USAGE: ${cmd}: option ${valued} needs a value`);
    }

    for (const flag of ['--help', '-h']) {
      const help = await rack([cmd, flag]);
      expect(help.code).toBe(0);
      expect(help.err).toBe('');
      expect(help.out).toMatch(new RegExp(`^[Uu]sage: rack ${cmd}`));
      expect(help.out).toContain('\nOptions:\n');
      expect(help.out).toMatch(/-h, --help/);
      if (valued) expect(help.out).toContain(`${valued} VALUE`);
    }
  });
});

describe('parseArgs', () => {
  const specs: OptionSpecs = {
    graph: { kind: 'optional' },
    list: { kind: 'bool', short: 'l' },
    name: { kind: 'string', short: 'n' },
    output: { kind: 'string' },
    verbose: { kind: 'count', short: 'v' },
  };
  const parse = (argv: string[]) => parseArgs(argv, specs, 'demo');
  const usage = (argv: string[]) => {
    try {
      parse(argv);
    } catch (e) {
      if (e instanceof RackError) return e.diagnostics[0];
      throw e;
    }
    throw new Error('no usage error');
  };

  it('an optional value is taken only when the next word is not an option', () => {
    expect(parse(['--graph']).opts.graph).toBe(true);
    expect(parse(['--graph', 'web']).opts.graph).toBe('web');
    expect(parse(['--graph=web', 'x']).opts).toEqual({ graph: 'web' });
    expect(parse(['--graph', '--list']).opts).toEqual({ graph: true, list: true });
    expect(parse(['--graph', '--', 'x'])).toEqual({ opts: { graph: true }, positional: ['x'] });
  });

  it('a value that looks like an option is a missing value; = and - still work', () => {
    expect(usage(['--name', '--output', 'f'])).toMatchObject({ code: 'E_USAGE', message: 'demo: option --name needs a value', hint: "write --name=--output if the value starts with '-'" });
    expect(usage(['-n'])).toMatchObject({ code: 'E_USAGE', message: 'demo: option -n needs a value' });
    expect(parse(['--name=--odd', '--output', '-']).opts).toEqual({ name: '--odd', output: '-' });
    expect(parse(['-nvalue', '-vvl', '--', '--list']).opts).toEqual({ name: 'value', verbose: 2, list: true });
    expect(parse(['--', '--list', '-v']).positional).toEqual(['--list', '-v']);
  });

  it('unknown options suggest the nearest long option, never an inherited property', () => {
    expect(usage(['--lsit']).hint).toBe("did you mean '--list'?");
    expect(usage(['-list-all']).message).toBe('demo: unknown option -i');
    expect(usage(['--constructor']).message).toBe('demo: unknown option --constructor');
  });
});
