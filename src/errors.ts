import { readFileSync } from 'node:fs';

/** A place in a user's file. Lines and columns are 1-based. */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
}

/** One problem found in user input: data, never thrown alone (see RackError). */
export interface Diagnostic {
  code: string; // e.g. 'E_YAML_SYNTAX', 'E_UNKNOWN_MODULE'
  message: string;
  ref?: SourceRef;
  hint?: string;
  severity?: 'error' | 'warning';
}

/** A user error: carries every diagnostic found. The CLI prints them and exits 1. */
export class RackError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic | Diagnostic[]) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map((d) => d.message).join('; '));
    this.name = 'RackError';
    this.diagnostics = list;
  }
}

export function diag(code: string, message: string, ref?: SourceRef, hint?: string): Diagnostic {
  const d: Diagnostic = { code, message };
  if (ref) d.ref = ref;
  if (hint) d.hint = hint;
  return d;
}

export function fail(code: string, message: string, ref?: SourceRef, hint?: string): never {
  throw new RackError(diag(code, message, ref, hint));
}

export function formatRef(ref: SourceRef): string {
  return `${ref.file}:${ref.line}:${ref.col}`;
}

const sourceCache = new Map<string, string[] | null>();
function sourceLines(file: string): string[] | null {
  if (!sourceCache.has(file)) {
    try {
      sourceCache.set(file, readFileSync(file, 'utf8').split(/\r?\n/));
    } catch {
      sourceCache.set(file, null);
    }
  }
  return sourceCache.get(file) ?? null;
}

/** Forget cached file text (files edited between loads in one process, e.g. tests). */
export function forgetSources(): void {
  sourceCache.clear();
}

/**
 * `file:line:col: error CODE: message`, the source line with a caret under the column,
 * and the hint. `text` overrides reading the file (for sources not on disk).
 */
export function formatDiagnostic(d: Diagnostic, text?: string): string {
  const sev = d.severity ?? 'error';
  const head = d.ref ? `${formatRef(d.ref)}: ${sev} ${d.code}: ${d.message}` : `${sev} ${d.code}: ${d.message}`;
  const out = [head];
  if (d.ref) {
    const lines = text !== undefined ? text.split(/\r?\n/) : sourceLines(d.ref.file);
    const src = lines?.[d.ref.line - 1];
    if (src !== undefined) {
      const gutter = String(d.ref.line);
      const width =
        d.ref.endLine === d.ref.line && d.ref.endCol && d.ref.endCol > d.ref.col ? d.ref.endCol - d.ref.col : 1;
      const pad = src.slice(0, d.ref.col - 1).replace(/[^\t]/g, ' ');
      out.push(` ${gutter} | ${src}`);
      out.push(` ${' '.repeat(gutter.length)} | ${pad}${'^'.repeat(Math.max(1, Math.min(width, 80)))}`);
    }
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}

/** Levenshtein distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagPrev = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diagPrev + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagPrev = tmp;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `word`, if close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestD <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const c = closest(word, candidates);
  return c ? `did you mean '${c}'?` : undefined;
}
