import type { FileDiff } from '../../commands/types.js';
import { DIFF_LIMIT } from './probe.js';

/** Text worth diffing: not binary (NUL or invalid UTF-8) and not over the size limit. */
export function diffableText(b: Buffer | undefined): string | undefined {
  if (b === undefined) return '';
  if (b.length > DIFF_LIMIT || b.includes(0)) return undefined;
  const s = b.toString('utf8');
  if (s.includes('\uFFFD') && !Buffer.from(s, 'utf8').equals(b)) return undefined;
  return s;
}

/** A before/after diff, or none when either side is binary or too large to show. */
export function fileDiff(path: string, before: Buffer | undefined, after: Buffer | undefined): FileDiff[] | undefined {
  const b = diffableText(before);
  const a = diffableText(after);
  if (b === undefined || a === undefined) return undefined;
  return [{ path, before: b, after: a }];
}
