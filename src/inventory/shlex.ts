/** A word of a host line and where it starts (0-based offset in the line). */
export interface Word {
  text: string;
  start: number;
}

/**
 * POSIX shell-like word splitting as INI inventories expect: quotes group words, a
 * backslash escapes, `#` outside quotes starts a comment even inside a word.
 * Throws Error('No closing quotation' | 'No escaped character') like the shell lexer does.
 */
export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let cur = '';
  let inWord = false;
  let start = 0;
  let quote: '"' | "'" | null = null;
  const begin = (i: number): void => {
    if (!inWord) {
      inWord = true;
      cur = '';
      start = i;
    }
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (quote === '"' && c === '\\') {
        const next = line[i + 1];
        if (next === undefined) throw new Error('No escaped character');
        // inside double quotes a backslash only escapes the quote and itself
        if (next === '"' || next === '\\') {
          cur += next;
          i++;
        } else cur += c;
      } else cur += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push({ text: cur, start });
      inWord = false;
    } else if (c === '#') {
      break;
    } else if (c === '"' || c === "'") {
      begin(i);
      quote = c;
    } else if (c === '\\') {
      begin(i);
      const next = line[i + 1];
      if (next === undefined) throw new Error('No escaped character');
      cur += next;
      i++;
    } else {
      begin(i);
      cur += c;
    }
  }
  if (quote) throw new Error('No closing quotation');
  if (inWord) words.push({ text: cur, start });
  return words;
}
