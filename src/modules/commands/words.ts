import { fail } from '../../errors.js';

/** Split a command line into words the way a POSIX shell would, without expanding anything. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) fail('E_MODULE_ARGS', `unterminated quote in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && /["\\$`\n]/.test(line[i + 1] ?? '')) i++;
        cur += line[i];
      }
      if (i >= line.length) fail('E_MODULE_ARGS', `unterminated quote in: ${line}`);
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < line.length) cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
