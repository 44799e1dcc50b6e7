import { sh } from '../../commands/quote.js';
import { str } from '../args.js';
import type { ModuleDef } from '../types.js';

export const slurp: ModuleDef = {
  name: 'slurp',
  readOnly: true,
  probe: (args) => sh`if [ -d ${str(args.src)!} ]; then echo 'is a directory' >&2; exit 21; fi; base64 -w0 < ${str(args.src)!}`,
  plan(args, probe) {
    const src = str(args.src)!;
    if (!probe || probe.rc !== 0) {
      const why = probe?.rc === 21 ? 'source is a directory and must be a file' : /No such file/.test(probe?.stderr ?? '') ? 'file not found' : (probe?.stderr.trim() ?? 'no output');
      return { commands: [], failed: `${why}: ${src}` };
    }
    return { commands: [], result: { content: probe.stdout.trim(), encoding: 'base64', source: src } };
  },
};
