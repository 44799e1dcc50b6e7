import { bool, str } from '../args.js';
import type { ModuleDef } from '../types.js';
import { expandTemplate, pyRegExp } from '../util/pyre.js';
import { editProbe, planEdit, readEdited, splitLines } from './edit.js';

const stripEol = (s: string) => s.replace(/[\r\n]+$/, '');

export const lineinfile: ModuleDef = {
  name: 'lineinfile',
  probe: (args) => editProbe(str(args.path)!),
  plan(args, probe, ctx) {
    const path = str(args.path)!;
    const { st, text } = readEdited(probe);
    const present = str(args.state) !== 'absent';
    const regexp = str(args.regexp);
    const search = str(args.search_string);
    const line = str(args.line);
    if (st.exists && st.type === 'directory') return { commands: [], failed: `${path} is a directory` };
    if (!st.exists) {
      if (!present) return { commands: [], result: { msg: 'file not present' } };
      if (!bool(args.create)) return { commands: [], failed: `Destination ${path} does not exist !`, result: { rc: 257 } };
    }
    const lines = splitLines(text);
    const re = regexp !== undefined ? pyRegExp(regexp) : undefined;
    const matches = (cur: string): RegExpExecArray | boolean | null =>
      re ? re.exec(cur) : search !== undefined ? cur.includes(search) : line === stripEol(cur);

    if (!present) {
      if (!re && search === undefined && line === undefined) return { commands: [], failed: 'one of line, regexp or search_string is required with state=absent' };
      const kept = lines.filter((l) => !matches(l));
      const found = lines.length - kept.length;
      return planEdit(args, st, text, kept.join(''), ctx.diff, { found, msg: found ? `${found} line(s) removed` : '' });
    }
    if (line === undefined) return { commands: [], failed: 'line is required with state=present' };
    const backrefs = bool(args.backrefs);
    if (backrefs && !re) return { commands: [], failed: 'regexp is required with backrefs=true' };
    const firstmatch = bool(args.firstmatch);
    const insertafter = str(args.insertafter);
    const insertbefore = str(args.insertbefore);
    let insRe: RegExp | undefined;
    if (insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF') insRe = pyRegExp(insertafter);
    else if (insertbefore !== undefined && insertbefore !== 'BOF') insRe = pyRegExp(insertbefore);

    let matchAt = -1;
    let insAt = -1;
    let match: RegExpExecArray | boolean | null = null;
    for (let i = 0; i < lines.length; i++) {
      const m = matches(lines[i]);
      if (m) {
        matchAt = i;
        match = m;
        if (firstmatch) break;
      } else if (insRe && insRe.exec(lines[i])) {
        insAt = insertafter !== undefined ? i + 1 : i;
        if (firstmatch) break;
      }
    }
    const out = [...lines];
    let msg = '';
    if (matchAt !== -1) {
      let newLine = backrefs && match && typeof match === 'object' ? expandTemplate(line, match) : line;
      if (!newLine.endsWith('\n')) newLine += '\n';
      if (out[matchAt] !== newLine) {
        out[matchAt] = newLine;
        msg = 'line replaced';
      }
    } else if (backrefs) {
      // without a match there is nothing to fill the groups with: leave the file alone
    } else if (insertbefore === 'BOF' || insertafter === 'BOF') {
      out.unshift(line + '\n');
      msg = 'line added';
    } else if (insertafter === 'EOF' || insAt === -1) {
      if (out.length && !/[\n\r]$/.test(out[out.length - 1])) out[out.length - 1] += '\n';
      out.push(line + '\n');
      msg = 'line added';
    } else if (insertafter !== undefined) {
      if (out.length === insAt) {
        if (stripEol(out[insAt - 1]) !== line) {
          out.push(line + '\n');
          msg = 'line added';
        }
      } else if (stripEol(out[insAt]) !== line) {
        out.splice(insAt, 0, line + '\n');
        msg = 'line added';
      }
    } else {
      out.splice(insAt, 0, line + '\n');
      msg = 'line added';
    }
    return planEdit(args, st, text, out.join(''), ctx.diff, { msg });
  },
};
