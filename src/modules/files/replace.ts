import { str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { pyRegExp, pySub } from '../util/pyre.js';
import { editProbe, planEdit, readEdited } from './edit.js';

export const replace: ModuleDef = {
  name: 'replace',
  probe: (args) => editProbe(str(args.path)!),
  plan(args, probe, ctx) {
    const path = str(args.path)!;
    const { st, text } = readEdited(probe);
    if (!st.exists) return { commands: [], failed: `Path ${path} does not exist !`, result: { rc: 257 } };
    if (st.type === 'directory') return { commands: [], failed: `Path ${path} is a directory !`, result: { rc: 256 } };
    const after = str(args.after);
    const before = str(args.before);
    let start = 0;
    let end = text.length;
    let section = text;
    // The section between after/before is found first (DOTALL), then replaced in (MULTILINE).
    if (after !== undefined || before !== undefined) {
      const pattern =
        after !== undefined && before !== undefined ? `${after}(?P<subsection>.*?)${before}` : after !== undefined ? `${after}(?P<subsection>.*)` : `(?P<subsection>.*)${before}`;
      const m = pyRegExp(pattern, { dotall: true }).exec(text);
      if (m?.indices?.groups?.subsection) {
        [start, end] = m.indices.groups.subsection;
        section = text.slice(start, end);
      }
    }
    const { text: replaced, count } = pySub(pyRegExp(str(args.regexp)!, { multiline: true }, true), str(args.replace) ?? '', section);
    const next = count > 0 && replaced !== section ? text.slice(0, start) + replaced + text.slice(end) : text;
    return planEdit(args, st, text, next, ctx.diff, { msg: next !== text ? `${count} replacements made` : '' });
  },
};
