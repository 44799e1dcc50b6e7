import { isSecret } from '../../commands/secret.js';
import { str, bool } from '../args.js';
import type { ModuleDef } from '../types.js';
import { statScript } from '../util/probe.js';
import { destName, planPut, planRemotePut, putProbe } from './put.js';

export const copy: ModuleDef = {
  name: 'copy',
  probe(args, ctx) {
    const src = str(args.src);
    const extra = bool(args.remote_src) && src ? statScript(src, { prefix: 'src_', follow: true, checksum: 'sha256' }) : undefined;
    return putProbe(str(args.dest)!, args.content === undefined ? destName(src) : undefined, ctx, extra);
  },
  async plan(args, probe, ctx) {
    const src = str(args.src);
    if (args.content === undefined && src === undefined) return { commands: [], failed: 'copy needs src or content' };
    if (args.content !== undefined && src !== undefined) return { commands: [], failed: 'copy takes src or content, not both' };
    if (bool(args.remote_src)) return planRemotePut({ ...args, src: src! }, probe);
    let content: Buffer;
    if (args.content !== undefined) {
      const c = args.content;
      content = Buffer.from(typeof c === 'string' || isSecret(c) ? str(c)! : JSON.stringify(c), 'utf8');
    } else {
      try {
        content = await ctx.readLocal(src!);
      } catch (e) {
        return { commands: [], failed: `could not read src: ${(e as Error).message}` };
      }
    }
    const plan = planPut(args, probe, content, { showDiff: ctx.diff && !isSecret(args.content), directoryMode: args.directory_mode });
    if (src) plan.result = { ...plan.result, src };
    return plan;
  },
};
