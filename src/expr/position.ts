import type { SourceRef } from '../errors.js';

/**
 * The place of character `offset` of `text`, where `ref` is the place of text's first
 * character. Later lines of multi-line text are assumed to start at ref.col (block scalars).
 */
export function refAt(text: string, offset: number, ref: SourceRef | undefined, length = 1): SourceRef | undefined {
  if (!ref) return undefined;
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  const lines = nl < 0 ? 0 : before.split('\n').length - 1;
  const col = nl < 0 ? ref.col + offset : ref.col + (offset - nl - 1);
  const line = ref.line + lines;
  const out: SourceRef = { file: ref.file, line, col };
  if (length > 1) {
    out.endLine = line;
    out.endCol = col + length;
  }
  return out;
}
