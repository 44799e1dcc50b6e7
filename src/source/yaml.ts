import { readFileSync } from 'node:fs';
import {
  Alias,
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  YAMLError,
  type Node as YamlNode,
  type ScalarTag,
} from 'yaml';
import { diag, RackError, type Diagnostic, type SourceRef } from '../errors.js';
import type { Secret } from '../commands/secret.js';
import { place } from './positions.js';

type VaultOpener = (cipher: string, ref?: SourceRef) => Secret;
let opener: VaultOpener | undefined;

/** How `!vault` values are opened in this process (the run sets it once it has the password). */
export function setVaultOpener(fn: VaultOpener | undefined): void {
  opener = fn;
}

/** A `!vault |` value: decrypted only when a task uses it, and then only as a Secret. */
export class Vaulted {
  #open?: Secret;
  constructor(
    readonly cipher: string,
    readonly ref?: SourceRef,
  ) {}
  open(): Secret {
    if (this.#open) return this.#open;
    if (!opener)
      throw new RackError(diag('E_VAULT_PASSWORD', 'a vaulted value is used but no vault password was given', this.ref, 'pass --vault-password-file FILE or set RACK_VAULT_PASSWORD'));
    return (this.#open = opener(this.cipher, this.ref));
  }
  toString(): string {
    return '********';
  }
  toJSON(): string {
    return '********';
  }
}

const vaultTag: ScalarTag = {
  tag: '!vault',
  resolve: (str: string) => new Vaulted(str),
};

// Ansible reads YAML with YAML 1.1 habits: yes/no/on/off are booleans and 0644 is octal.
// (Unlike the full 1.1 schema, y/n stay strings, as they do for Ansible.)
const boolTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF)$/,
  resolve: (str: string) => /^(?:y|Y|on|On|ON)/.test(str),
};
const octalTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^0[0-7]+$/,
  resolve: (str: string) => parseInt(str, 8),
};

export interface LoadedYaml {
  value: unknown;
  diagnostics: Diagnostic[];
  text: string;
}

function codeFor(e: YAMLError): { code: string; hint?: string } {
  if (e.code === 'DUPLICATE_KEY')
    return { code: 'E_YAML_DUPLICATE_KEY', hint: 'each key may appear once in a mapping; remove or rename one' };
  if (e.code === 'TAB_AS_INDENT' || /tab/i.test(e.message))
    return { code: 'E_YAML_TAB', hint: 'YAML indentation must use spaces, not tabs' };
  return { code: 'E_YAML_SYNTAX', hint: 'check indentation and quoting around this position' };
}

/**
 * Parse YAML text into plain data whose mappings and lists remember where they came from
 * (see positions.ts). YAML 1.1 booleans (yes/no) as Ansible users expect. All syntax problems
 * are returned, none thrown.
 */
export function parseYaml(text: string, file: string): LoadedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    schema: 'core',
    uniqueKeys: true,
    merge: true,
    customTags: (tags) => [boolTag, octalTag, ...tags, vaultTag],
    prettyErrors: false,
  });
  const refAt = (offset: number, end?: number): SourceRef => {
    const p = lc.linePos(offset);
    const ref: SourceRef = { file, line: p.line, col: p.col };
    if (end !== undefined) {
      const e = lc.linePos(end);
      ref.endLine = e.line;
      ref.endCol = e.col;
    }
    return ref;
  };
  const diagnostics: Diagnostic[] = [];
  const errs = [...doc.errors];
  // Tabs used for indentation are reported by yaml as generic errors; find them directly.
  const tabLine = text.split('\n').findIndex((l) => /^ *\t/.test(l));
  if (tabLine >= 0 && errs.length) {
    const col = text.split('\n')[tabLine].indexOf('\t') + 1;
    diagnostics.push(diag('E_YAML_TAB', 'tab character used for indentation', { file, line: tabLine + 1, col }, 'YAML indentation must use spaces, not tabs'));
  } else {
    for (const e of errs) {
      const { code, hint } = codeFor(e);
      diagnostics.push(diag(code, e.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, ''), refAt(e.pos[0], e.pos[1]), hint));
    }
  }
  if (diagnostics.length) return { value: undefined, diagnostics, text };
  const value = toPlain(doc, doc.contents as YamlNode | null, refAt);
  return { value, diagnostics, text };
}

function toPlain(doc: Document, node: YamlNode | null | undefined, refAt: (o: number, e?: number) => SourceRef): unknown {
  if (node == null) return null;
  if (isAlias(node)) return toPlain(doc, (node as Alias).resolve(doc) as YamlNode, refAt);
  if (isScalar(node)) {
    const v = (node as Scalar).value;
    if (v instanceof Vaulted && node.range) return new Vaulted(v.cipher, refAt(node.range[0]));
    return v;
  }
  const start = node.range ? node.range[0] : 0;
  if (isSeq(node)) {
    const out: unknown[] = [];
    const p = place(out, refAt(start));
    node.items.forEach((item, i) => {
      const n = item as YamlNode;
      out.push(toPlain(doc, n, refAt));
      if (n && n.range) p.keys.set(i, { value: refAt(n.range[0], n.range[1]) });
    });
    return out;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const p = place(out, refAt(start));
    const explicit = new Set<string>();
    const mergeInto = (target: Record<string, unknown>, src: unknown): void => {
      for (const m of Array.isArray(src) ? src : [src])
        if (m && typeof m === 'object')
          for (const [mk, mv] of Object.entries(m)) if (!explicit.has(mk) && !(mk in target)) target[mk] = mv;
    };
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YamlNode | null;
      const v = pair.value as YamlNode | null;
      if (isScalar(k) && typeof (k as Scalar).value === 'symbol') {
        mergeInto(out, toPlain(doc, v, refAt));
        continue;
      }
      const keyVal = isScalar(k) ? (k as Scalar).value : toPlain(doc, k, refAt);
      // YAML merge keys (<<) were applied by yaml itself when merge: true
      const key = String(keyVal);
      delete out[key]; // an explicit key wins over a merged one, wherever the merge sits
      out[key] = toPlain(doc, v, refAt);
      explicit.add(key);
      const keyRef = k?.range ? refAt(k.range[0], k.range[1]) : undefined;
      const valueRef = v?.range ? refAt(v.range[0], v.range[1]) : keyRef;
      if (valueRef) p.keys.set(key, { key: keyRef, value: valueRef });
    }
    return out;
  }
  return (node as { toJSON?: () => unknown }).toJSON?.() ?? null;
}

/** Read and parse a YAML file; an unreadable file is a diagnostic too. */
export function loadYamlFile(file: string, from?: SourceRef): LoadedYaml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      value: undefined,
      text: '',
      diagnostics: [diag('E_FILE_UNREADABLE', `cannot read ${file}: ${err.code ?? err.message}`, from, 'check the path and permissions')],
    };
  }
  return parseYaml(text, file);
}
