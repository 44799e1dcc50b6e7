import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml';
import { RackError, diag, didYouMean, type Diagnostic, type SourceRef } from '../errors.js';

/** What an artifact is for; roles look artifacts up by name, the kind is for people and checks. */
export const ARTIFACT_KINDS = [
  'k3s-binary',
  'k3s-airgap-images',
  'cilium-cli',
  'cilium-chart',
  'minio-binary',
  'mc-binary',
  'pi-firmware',
  'pi-kernel',
  'pi-initramfs',
  'ipxe',
  'test-kernel',
  'test-initramfs',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** `sha256: pending` marks an upstream file whose checksum has not been pinned yet. */
export const PENDING = 'pending';

export interface Artifact {
  name: string;
  kind: ArtifactKind;
  url: string;
  sha256: string; // 64 lowercase hex digits, or PENDING
  size?: number;
  dest: string; // relative to the images dir
  mode?: number; // e.g. 0o755 for binaries
  version?: string;
  arch?: string;
  description?: string;
  ref: SourceRef;
}

export const MANIFEST_FILE = 'manifest.yml';
export const manifestPath = (imagesDir: string): string => join(imagesDir, MANIFEST_FILE);
export const artifactPath = (imagesDir: string, a: Artifact): string => join(imagesDir, a.dest);
export const isVerifiable = (a: Artifact): boolean => a.sha256 !== PENDING;

const FIELDS = ['name', 'kind', 'url', 'sha256', 'size', 'dest', 'mode', 'version', 'arch', 'description'];

function refOf(file: string, lc: LineCounter, node: Node | null | undefined): SourceRef {
  const at = node?.range ? lc.linePos(node.range[0]) : { line: 1, col: 1 };
  return { file, line: at.line, col: at.col };
}

function checkEntry(raw: Record<string, unknown>, ref: SourceRef, problems: Diagnostic[]): Artifact | undefined {
  const bad = (message: string, hint?: string) => problems.push(diag('E_IMAGE_MANIFEST', message, ref, hint));
  const before = problems.length;
  for (const key of Object.keys(raw)) if (!FIELDS.includes(key)) bad(`unknown artifact field '${key}'`, didYouMean(key, FIELDS));
  const str = (k: string): string | undefined => (typeof raw[k] === 'string' && raw[k] !== '' ? (raw[k] as string) : undefined);
  const name = str('name');
  if (!name || !/^[a-z0-9][a-z0-9._-]*$/.test(name)) bad('artifact needs a name of lowercase letters, digits, . _ -');
  const kind = str('kind');
  if (!kind || !(ARTIFACT_KINDS as readonly string[]).includes(kind))
    bad(`artifact kind must be one of ${ARTIFACT_KINDS.join(', ')}`, kind ? didYouMean(kind, ARTIFACT_KINDS) : undefined);
  const url = str('url');
  if (!url || !/^https?:\/\//.test(url)) bad('artifact url must be an https:// address');
  const sha256 = str('sha256')?.toLowerCase();
  if (!sha256 || (sha256 !== PENDING && !/^[0-9a-f]{64}$/.test(sha256)))
    bad(`sha256 must be 64 hex digits or '${PENDING}'`);
  const dest = str('dest');
  if (!dest || isAbsolute(dest) || normalize(dest).split(sep).includes('..') || dest.endsWith('/'))
    bad('dest must be a file path inside the images directory');
  const size = raw.size;
  if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 0))
    bad('size must be a whole number of bytes');
  const mode = raw.mode;
  if (mode !== undefined && (typeof mode !== 'string' || !/^0?[0-7]{3}$/.test(mode)))
    bad("mode must be an octal string such as '0755'");
  if (problems.length > before) return undefined;
  const a: Artifact = { name: name!, kind: kind as ArtifactKind, url: url!, sha256: sha256!, dest: normalize(dest!), ref };
  if (size !== undefined) a.size = size as number;
  if (mode !== undefined) a.mode = parseInt(mode as string, 8);
  for (const k of ['version', 'arch', 'description'] as const) if (str(k)) a[k] = str(k);
  return a;
}

/** Parse and check a manifest text: `artifacts:` is a list of entries (see images/README.md). */
export function parseManifest(text: string, file: string): Artifact[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const problems: Diagnostic[] = doc.errors.map((e) =>
    diag('E_IMAGE_MANIFEST', e.message, { file, line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col ?? 1 }),
  );
  if (problems.length) throw new RackError(problems);
  const root = doc.contents;
  const list = isMap(root) ? root.get('artifacts', true) : undefined;
  if (!isSeq(list)) throw new RackError(diag('E_IMAGE_MANIFEST', 'manifest needs an `artifacts:` list', refOf(file, lc, root)));
  const out: Artifact[] = [];
  const seen = new Map<string, SourceRef>();
  const dests = new Map<string, string>();
  for (const item of list.items) {
    const ref = refOf(file, lc, item as Node);
    if (!isMap(item)) {
      problems.push(diag('E_IMAGE_MANIFEST', 'each artifact must be a mapping', ref));
      continue;
    }
    const a = checkEntry(item.toJSON() as Record<string, unknown>, ref, problems);
    if (!a) continue;
    if (seen.has(a.name)) problems.push(diag('E_IMAGE_MANIFEST', `artifact '${a.name}' is listed twice`, ref));
    if (dests.has(a.dest))
      problems.push(diag('E_IMAGE_MANIFEST', `'${a.name}' and '${dests.get(a.dest)}' have the same dest ${a.dest}`, ref));
    seen.set(a.name, ref);
    dests.set(a.dest, a.name);
    out.push(a);
  }
  if (problems.length) throw new RackError(problems);
  return out;
}

export function loadManifest(imagesDir: string): Artifact[] {
  const file = manifestPath(imagesDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RackError(
      diag('E_IMAGE_MANIFEST', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, undefined, 'pass --dir to point at the images directory'),
    );
  }
  return parseManifest(text, file);
}

/** The named artifact, or E_IMAGE_UNKNOWN with a did-you-mean. */
export function findArtifact(artifacts: Artifact[], name: string): Artifact {
  const a = artifacts.find((x) => x.name === name);
  if (a) return a;
  throw new RackError(
    diag('E_IMAGE_UNKNOWN', `no artifact named '${name}' in the images manifest`, undefined,
      didYouMean(name, artifacts.map((x) => x.name)) ?? 'see `npx rack images list`'),
  );
}
