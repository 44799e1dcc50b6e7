import { resolve } from 'node:path';
import { RackError, didYouMean, formatDiagnostic } from '../errors.js';
import { artifactStatus, fetchArtifact, findArtifact, loadManifest, type Artifact } from '../images/index.js';
import { helpText, parseArgs, usageError, type OptionSpecs } from './args.js';

export interface ImagesIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: rack images <command> [options]
  list                     every artifact in the manifest and its status
                           (present, unverified, missing, bad-checksum)
  fetch [NAME...]          download missing or damaged artifacts (all when no NAME), verify
                           sha256, then move them into place; partial downloads resume
  check NAME...            verify artifacts on disk against the manifest (exit 1 if not present)`;

const SPECS: OptionSpecs = {
  dir: { kind: 'string', help: 'images directory holding manifest.yml (default $RACK_IMAGES_DIR or ./images)' },
  'trust-unverified': { kind: 'bool', help: "fetch artifacts whose sha256 is 'pending' and print their checksum" },
  help: { kind: 'bool', short: 'h', help: 'show this help' },
};
const COMMANDS = ['list', 'fetch', 'check'];

function printDiagnostics(e: RackError, io: ImagesIo): void {
  for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
}

function pick(all: Artifact[], names: string[]): Artifact[] {
  return names.length ? names.map((n) => findArtifact(all, n)) : all;
}

async function list(dir: string, all: Artifact[], io: ImagesIo): Promise<number> {
  const rows = [['NAME', 'KIND', 'STATUS', 'DEST']];
  for (const a of all) rows.push([a.name, a.kind, (await artifactStatus(dir, a)).status, a.dest]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) io.stdout.write(r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('  ') + '\n');
  return 0;
}

async function fetchAll(dir: string, chosen: Artifact[], trust: boolean, io: ImagesIo): Promise<number> {
  let failed = 0;
  for (const a of chosen) {
    try {
      const r = await fetchArtifact(dir, a, { trustUnverified: trust, log: (l) => io.stdout.write(l + '\n') });
      const note = a.sha256 === 'pending' ? ` (unverified; pin it with sha256: ${r.sha256})` : '';
      io.stdout.write(`${r.outcome === 'downloaded' ? 'fetched' : 'present'} ${a.name}: ${a.dest}${note}\n`);
    } catch (e) {
      if (!(e instanceof RackError)) throw e;
      printDiagnostics(e, io);
      failed++;
    }
  }
  if (failed) io.stderr.write(`${failed} of ${chosen.length} artifact(s) not fetched\n`);
  return failed ? 1 : 0;
}

async function check(dir: string, chosen: Artifact[], io: ImagesIo): Promise<number> {
  let bad = 0;
  for (const a of chosen) {
    const s = await artifactStatus(dir, a);
    io.stdout.write(`${a.name}: ${s.status}${s.sha256 ? ` sha256 ${s.sha256}` : ''}\n`);
    if (s.status !== 'present') bad++;
  }
  return bad ? 1 : 0;
}

async function run(argv: string[], io: ImagesIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, SPECS, 'images');
  if (opts.help) {
    io.stdout.write(helpText(USAGE, SPECS));
    return 0;
  }
  const [command, ...names] = positional;
  if (!command) throw usageError('images', `which command? (${COMMANDS.join(', ')})`);
  if (!COMMANDS.includes(command)) throw usageError('images', `unknown command '${command}'`, didYouMean(command, COMMANDS));
  const dir = resolve((opts.dir as string | undefined) ?? io.env.RACK_IMAGES_DIR ?? 'images');
  switch (command) {
    case 'list':
      return list(dir, loadManifest(dir), io);
    case 'fetch':
      return fetchAll(dir, pick(loadManifest(dir), names), !!opts['trust-unverified'], io);
    case 'check':
      if (!names.length) throw usageError('images', 'check expects NAME...');
      return check(dir, pick(loadManifest(dir), names), io);
    default:
      throw usageError('images', `unknown command '${command}'`);
  }
}

/** `rack images ...`: user errors print as diagnostics and give status 1, usage errors too. */
export async function imagesMain(argv: string[], io: ImagesIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof RackError) {
      printDiagnostics(e, io);
      return 1;
    }
    throw e;
  }
}
