import { statSync } from 'node:fs';
import { artifactPath, isVerifiable, type Artifact } from './manifest.js';
import { sha256File } from './hash.js';

/** present: checksum verified; unverified: present but no pinned checksum to compare with. */
export type ArtifactStatus = 'present' | 'unverified' | 'missing' | 'bad-checksum';

export interface StatusReport {
  status: ArtifactStatus;
  path: string;
  sha256?: string; // of the file on disk, when it was hashed
}

// Hashing a multi-hundred-MB tarball once per process is enough: key by size and mtime.
const verified = new Map<string, string>();

export async function artifactStatus(imagesDir: string, a: Artifact): Promise<StatusReport> {
  const path = artifactPath(imagesDir, a);
  let st;
  try {
    st = statSync(path);
  } catch {
    return { status: 'missing', path };
  }
  if (!st.isFile()) return { status: 'missing', path };
  if (a.size !== undefined && st.size !== a.size) return { status: 'bad-checksum', path };
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  const sha256 = verified.get(key) ?? (await sha256File(path));
  verified.set(key, sha256);
  if (!isVerifiable(a)) return { status: 'unverified', path, sha256 };
  return { status: sha256 === a.sha256 ? 'present' : 'bad-checksum', path, sha256 };
}
