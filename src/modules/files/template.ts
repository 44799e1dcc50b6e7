import { str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { planPut, putProbe } from './put.js';

export const template: ModuleDef = {
  name: 'template',
  probe(args, ctx) {
    return putProbe(str(args.dest)!, undefined, ctx);
  },
  async plan(args, probe, ctx) {
    let text = await ctx.renderTemplate(str(args.src)!);
    const nl = str(args.newline_sequence) ?? '\n';
    if (nl !== '\n') text = text.replace(/\r?\n/g, nl);
    const plan = planPut(args, probe, Buffer.from(text, 'utf8'), { showDiff: ctx.diff });
    plan.result = { ...plan.result, src: args.src };
    return plan;
  },
};
