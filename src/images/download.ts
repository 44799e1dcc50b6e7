import { chmodSync, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RackError, diag } from '../errors.js';
import { sha256File } from './hash.js';
import { artifactPath, isVerifiable, type Artifact } from './manifest.js';
import { artifactStatus } from './status.js';

const MAX_REDIRECTS = 5;
const IDLE_TIMEOUT_MS = 60_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface FetchOptions {
  trustUnverified?: boolean;
  /** Progress lines for the CLI; modules never print. */
  log?: (line: string) => void;
}

export interface FetchResult {
  name: string;
  outcome: 'already-present' | 'downloaded';
  path: string;
  sha256: string;
  bytes: number;
}

function imageError(code: string, message: string, a: Artifact, hint?: string): RackError {
  return new RackError(diag(code, message, a.ref, hint));
}

/** https everywhere; plain http only to loopback (local mirrors and tests). */
function checkUrl(url: URL, a: Artifact): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return;
  throw imageError('E_IMAGE_FETCH', `refusing to download ${a.name} over ${url.protocol} from ${url.host}`, a, 'use an https:// URL');
}

function request(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const req = get(url, { headers: { 'user-agent': 'rack-images', ...headers } }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data from ${url.host} for ${IDLE_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
  });
}

/** GET with redirects followed (never downgrading to plain http). */
async function open(a: Artifact, headers: Record<string, string>): Promise<IncomingMessage> {
  let url = new URL(a.url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    checkUrl(url, a);
    let res: IncomingMessage;
    try {
      res = await request(url, headers);
    } catch (e) {
      throw imageError('E_IMAGE_FETCH', `cannot download ${a.name} from ${url.host}: ${(e as Error).message}`, a);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      url = new URL(res.headers.location, url);
      continue;
    }
    return res;
  }
  throw imageError('E_IMAGE_FETCH', `too many redirects for ${a.name}`, a);
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Download into `<dest>.part` (continuing a partial one with a Range request when the server
 * allows), verify sha256 and size, then rename into place. A failed check deletes the part file.
 */
async function download(imagesDir: string, a: Artifact, log: (l: string) => void): Promise<FetchResult> {
  const dest = artifactPath(imagesDir, a);
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  let have = sizeOf(part);
  log(`fetching ${a.name} from ${a.url}${have ? ` (resuming at ${have} bytes)` : ''}`);
  let res = await open(a, have ? { range: `bytes=${have}-` } : {});
  if (have && res.statusCode === 416) {
    // The part file may already be complete (or junk): start over rather than guess.
    res.resume();
    rmSync(part, { force: true });
    have = 0;
    res = await open(a, {});
  }
  const status = res.statusCode ?? 0;
  if (status !== 200 && !(status === 206 && have)) {
    res.resume();
    throw imageError('E_IMAGE_FETCH', `cannot download ${a.name}: HTTP ${status} from ${new URL(a.url).host}`, a,
      status === 404 ? 'the upstream file moved or the version is gone: update url in images/manifest.yml' : undefined);
  }
  const append = status === 206;
  const out = createWriteStream(part, { flags: append ? 'a' : 'w', mode: 0o644 });
  try {
    await pipeline(res, out);
  } catch (e) {
    // pipeline rejects before the file stream has closed; a write may still be landing.
    if (!out.closed) await new Promise<void>((done) => out.once('close', () => done()));
    // Keep the part file: the next run resumes from it.
    throw imageError('E_IMAGE_FETCH', `download of ${a.name} interrupted: ${(e as Error).message}`, a, 'run the same fetch again to resume');
  }
  const bytes = sizeOf(part);
  const sha256 = await sha256File(part);
  const sizeWrong = a.size !== undefined && bytes !== a.size;
  if (sizeWrong || (isVerifiable(a) && sha256 !== a.sha256)) {
    rmSync(part, { force: true });
    throw imageError('E_IMAGE_CHECKSUM',
      `${a.name}: downloaded file does not match the manifest (${sizeWrong ? `size ${bytes}, expected ${a.size}` : `sha256 ${sha256}, expected ${a.sha256}`}); it was deleted`,
      a, 'the upstream file changed or the download was tampered with; nothing was installed');
  }
  if (a.mode !== undefined) chmodSync(part, a.mode);
  renameSync(part, dest);
  return { name: a.name, outcome: 'downloaded', path: dest, sha256, bytes };
}

/**
 * Make sure the artifact is in place: an existing good file is never touched; a bad one is
 * replaced; an artifact without a pinned checksum is only fetched with `trustUnverified`.
 */
export async function fetchArtifact(imagesDir: string, a: Artifact, opts: FetchOptions = {}): Promise<FetchResult> {
  const log = opts.log ?? (() => {});
  const now = await artifactStatus(imagesDir, a);
  if (now.status === 'present' || now.status === 'unverified')
    return { name: a.name, outcome: 'already-present', path: now.path, sha256: now.sha256!, bytes: sizeOf(now.path) };
  if (!isVerifiable(a) && !opts.trustUnverified)
    throw imageError('E_IMAGE_UNVERIFIED', `${a.name} has no pinned sha256 (sha256: pending), so it cannot be verified`, a,
      `pin its sha256 in images/manifest.yml, or accept it as is with \`npx rack images fetch --trust-unverified ${a.name}\``);
  if (now.status === 'bad-checksum') log(`${a.name}: existing file fails its checksum, downloading again`);
  return download(imagesDir, a, log);
}
