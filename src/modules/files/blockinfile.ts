import { str } from '../args.js';
import { bool } from '../args.js';
import type { ModuleDef } from '../types.js';
import { pyRegExp } from '../util/pyre.js';
import { editProbe, planEdit, readEdited, splitLines } from './edit.js';

export const blockinfile: ModuleDef = {
  name: 'blockinfile',
  probe: (args) => editProbe(str(args.path)!),
  plan(args, probe, ctx) {
    const path = str(args.path)!;
    const { st, text } = readEdited(probe);
    const present = str(args.state) !== 'absent';
    if (st.exists && st.type === 'directory') return { commands: [], failed: `${path} is a directory` };
    if (!st.exists) {
      if (!present) return { commands: [], result: { msg: 'file not present' } };
      if (!bool(args.create)) return { commands: [], failed: `Path ${path} does not exist !`, result: { rc: 257 } };
    }
    const marker = str(args.marker) ?? '# {mark} ANSIBLE MANAGED BLOCK';
    const begin = marker.replace('{mark}', str(args.marker_begin) ?? 'BEGIN');
    const end = marker.replace('{mark}', str(args.marker_end) ?? 'END');
    const block = str(args.block) ?? '';
    const blockLines = present && block !== '' ? [begin, ...block.replace(/\n$/, '').split('\n'), end].map((l) => l + '\n') : [];
    const lines = splitLines(text);
    let n0 = -1;
    let n1 = -1;
    lines.forEach((l, i) => {
      const bare = l.replace(/[\r\n]+$/, '');
      if (bare === begin) n0 = i;
      if (bare === end) n1 = i;
    });
    const insertafter = str(args.insertafter);
    const insertbefore = str(args.insertbefore);
    let at: number;
    if (n0 === -1 || n1 === -1) {
      if (insertbefore === 'BOF') at = 0;
      else if ((insertafter !== undefined && insertafter !== 'EOF') || insertbefore !== undefined) {
        const re = pyRegExp((insertafter !== undefined && insertafter !== 'EOF' ? insertafter : insertbefore)!);
        at = -1;
        lines.forEach((l, i) => {
          if (re.exec(l)) at = i;
        });
        if (at === -1) at = lines.length;
        else if (insertafter !== undefined && insertafter !== 'EOF') at += 1;
      } else at = lines.length;
    } else if (n0 < n1) {
      lines.splice(n0, n1 - n0 + 1);
      at = n0;
    } else {
      lines.splice(n1, n0 - n1 + 1);
      at = n1;
    }
    if (blockLines.length && at > 0 && !lines[at - 1].endsWith('\n')) lines[at - 1] += '\n';
    lines.splice(at, 0, ...blockLines);
    const after = lines.join('');
    const msg = after === text ? '' : blockLines.length ? (n0 === -1 || n1 === -1 ? 'Block inserted' : 'Block updated') : 'Block removed';
    return planEdit(args, st, text, after, ctx.diff, { msg });
  },
};
