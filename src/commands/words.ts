import { fail } from '../errors.js';

/**
 * Split text into words the way a POSIX shell would, without expanding anything: '...',
 * "..." (with \" \\ \$ \` escapes) and backslashes. `strict` makes an unterminated quote a
 * user error instead of running to the end of the text.
 */
export function splitWords(text: string, opts: { strict?: boolean } = {}): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  const unterminated = () => {
    if (opts.strict) fail('E_MODULE_ARGS', `unterminated quote in: ${text}`);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) unterminated();
      cur += text.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? text.length : end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && /["\\$`\n]/.test(text[i + 1] ?? '')) i++;
        cur += text[i];
      }
      if (i >= text.length) unterminated();
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < text.length) cur += text[++i];
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
