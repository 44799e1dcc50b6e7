export { ARTIFACT_KINDS, MANIFEST_FILE, PENDING, artifactPath, findArtifact, isVerifiable, loadManifest, manifestPath, parseManifest } from './manifest.js';
export type { Artifact, ArtifactKind } from './manifest.js';
export { artifactStatus } from './status.js';
export type { ArtifactStatus, StatusReport } from './status.js';
export { fetchArtifact } from './download.js';
export type { FetchOptions, FetchResult } from './download.js';
export { requireImage } from './require.js';
export { sha256File } from './hash.js';
