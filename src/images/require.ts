import { relative } from 'node:path';
import { RackError, diag } from '../errors.js';
import { findArtifact, loadManifest } from './manifest.js';
import { artifactStatus } from './status.js';

/**
 * The path of a fetched, checksum-verified artifact. Missing or damaged files are RackErrors
 * naming the file and the command that fetches it.
 */
export async function requireImage(imagesDir: string, name: string): Promise<string> {
  const a = findArtifact(loadManifest(imagesDir), name);
  const s = await artifactStatus(imagesDir, a);
  const shown = relative(process.cwd(), s.path) || s.path;
  const fetchIt = `run \`npx rack images fetch ${name}\` where there is internet access`;
  if (s.status === 'missing') throw new RackError(diag('E_IMAGE_MISSING', `artifact ${name} is missing: ${shown}`, undefined, fetchIt));
  if (s.status === 'bad-checksum')
    throw new RackError(diag('E_IMAGE_CHECKSUM', `artifact ${name} fails its checksum: ${shown}`, undefined, `delete it and ${fetchIt}`));
  return s.path;
}
