import type { FileDiff } from '../commands/types.js';

/** A unified diff of two texts (line based, with 3 lines of context). */
export function unifiedDiff(d: FileDiff): string {
  const a = d.before === '' ? [] : d.before.replace(/\n$/, '').split('\n');
  const b = d.after === '' ? [] : d.after.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  // LCS table, bounded: huge files are summarised instead.
  if (n * m > 4_000_000) return `--- before: ${d.path}\n+++ after: ${d.path}\n@@ file too large to diff (${n} -> ${m} lines) @@\n`;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: Array<[' ' | '-' | '+', string, number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push([' ', a[i], i++, j++]);
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push(['-', a[i], i++, j]);
    else ops.push(['+', b[j], i, j++]);
  }
  const out = [`--- before: ${d.path}`, `+++ after: ${d.path}`];
  const CONTEXT = 3;
  let k = 0;
  while (k < ops.length) {
    if (ops[k][0] === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - CONTEXT);
    let end = k;
    while (end < ops.length) {
      if (ops[end][0] !== ' ') {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < ops.length && ops[end + run][0] === ' ') run++;
      if (end + run >= ops.length || run > CONTEXT * 2) {
        end = Math.min(ops.length, end + CONTEXT);
        break;
      }
      end += run;
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk[0][2] + 1;
    const bStart = hunk[0][3] + 1;
    const aLen = hunk.filter((o) => o[0] !== '+').length;
    const bLen = hunk.filter((o) => o[0] !== '-').length;
    out.push(`@@ -${aLen ? aStart : aStart - 1},${aLen} +${bLen ? bStart : bStart - 1},${bLen} @@`);
    for (const o of hunk) out.push(`${o[0]}${o[1]}`);
    k = end;
    start = end;
  }
  return out.join('\n') + '\n';
}
