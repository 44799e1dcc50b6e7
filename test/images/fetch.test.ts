import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { imagesMain } from '../../src/cli/images.js';
import { rackErrorOf } from '../helpers/diag.js';
import { fetchArtifact, findArtifact, loadManifest, requireImage } from '../../src/images/index.js';
import { captureIo } from '../vault/helpers.js';
import { sha256, startServer, type TestServer } from './server.js';

const good = randomBytes(200_000);
const other = randomBytes(5000);
const big = randomBytes(300_000);
const unpinned = Buffer.from('no checksum for me\n');
let server: TestServer;
let dir: string;

function writeManifest(): void {
  const b = server.base;
  const artifacts = [
    { name: 'tool', kind: 'k3s-binary', url: `${b}/tool`, sha256: sha256(good), size: good.length, dest: 'bin/tool', mode: '0755' },
    { name: 'moved', kind: 'mc-binary', url: `${b}/old-place`, sha256: sha256(other), dest: 'bin/moved' },
    { name: 'tampered', kind: 'minio-binary', url: `${b}/tampered`, sha256: sha256(good), dest: 'bin/tampered' },
    { name: 'gone', kind: 'ipxe', url: `${b}/gone`, sha256: sha256(good), dest: 'ipxe/gone.efi' },
    { name: 'flaky', kind: 'k3s-airgap-images', url: `${b}/flaky`, sha256: sha256(big), dest: 'k3s/flaky.tar' },
    { name: 'unpinned', kind: 'pi-firmware', url: `${b}/unpinned`, sha256: 'pending', dest: 'pi/start4.elf' },
    { name: 'plain-http', kind: 'test-kernel', url: 'http://rack-test.invalid/vmlinuz', sha256: sha256(good), dest: 'k/vmlinuz' },
  ];
  writeFileSync(join(dir, 'manifest.yml'), stringify({ artifacts }));
}

const artifact = (name: string) => findArtifact(loadManifest(dir), name);
const fetched = (path: string) => server.requests.filter((r) => r.path === path).length;


beforeAll(async () => {
  server = await startServer(
    { '/tool': good, '/new-place': other, '/tampered': Buffer.concat([good.subarray(1), Buffer.from('x')]), '/flaky': big, '/unpinned': unpinned },
    { cutOnce: ['/flaky'], redirects: { '/old-place': '/new-place' } },
  );
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = mkdtempSync(join(tmpdir(), 'rack-images-'));
  writeManifest();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rack images fetch', () => {
  it('downloads, verifies, installs with the mode, and never downloads a good file again', async () => {
    const before = fetched('/tool');
    const r = await fetchArtifact(dir, artifact('tool'));
    expect(r.outcome).toBe('downloaded');
    expect(readFileSync(join(dir, 'bin/tool')).equals(good)).toBe(true);
    expect(statSync(join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(dir, 'bin'))).toEqual(['tool']);
    const mtime = statSync(join(dir, 'bin/tool')).mtimeMs;
    expect((await fetchArtifact(dir, artifact('tool'))).outcome).toBe('already-present');
    expect(fetched('/tool')).toBe(before + 1);
    expect(statSync(join(dir, 'bin/tool')).mtimeMs).toBe(mtime);
  });

  it('follows redirects', async () => {
    await fetchArtifact(dir, artifact('moved'));
    expect(readFileSync(join(dir, 'bin/moved')).equals(other)).toBe(true);
  });

  it('refuses a checksum mismatch and removes the temp file', async () => {
    const e = await rackErrorOf(fetchArtifact(dir, artifact('tampered')));
    expect(e.diagnostics[0].code).toBe('E_IMAGE_CHECKSUM');
    expect(e.message).toContain(sha256(good));
    expect(existsSync(join(dir, 'bin/tampered'))).toBe(false);
    expect(existsSync(join(dir, 'bin/tampered.part'))).toBe(false);
  });

  it('reports a missing upstream file clearly', async () => {
    const e = await rackErrorOf(fetchArtifact(dir, artifact('gone')));
    expect(e.diagnostics[0].code).toBe('E_IMAGE_FETCH');
    expect(e.message).toContain('HTTP 404');
    expect(e.diagnostics[0].ref?.file).toBe(join(dir, 'manifest.yml'));
  });

  it('resumes an interrupted download with a Range request', async () => {
    const e = await rackErrorOf(fetchArtifact(dir, artifact('flaky')));
    expect(e.diagnostics[0].code).toBe('E_IMAGE_FETCH');
    expect(existsSync(join(dir, 'k3s/flaky.tar'))).toBe(false);
    const partial = statSync(join(dir, 'k3s/flaky.tar.part')).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(big.length);
    await fetchArtifact(dir, artifact('flaky'));
    const last = server.requests.filter((r) => r.path === '/flaky').at(-1)!;
    expect(last.headers.range).toBe(`bytes=${partial}-`);
    expect(readFileSync(join(dir, 'k3s/flaky.tar')).equals(big)).toBe(true);
    expect(existsSync(join(dir, 'k3s/flaky.tar.part'))).toBe(false);
  });

  it('replaces an existing file that fails its checksum', async () => {
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin/tool'), 'corrupt');
    expect((await fetchArtifact(dir, artifact('tool'))).outcome).toBe('downloaded');
    expect(readFileSync(join(dir, 'bin/tool')).equals(good)).toBe(true);
  });

  it('refuses an unpinned artifact unless trusted, without contacting the server', async () => {
    const before = fetched('/unpinned');
    const e = await rackErrorOf(fetchArtifact(dir, artifact('unpinned')));
    expect(e.diagnostics[0].code).toBe('E_IMAGE_UNVERIFIED');
    expect(e.diagnostics[0].hint).toContain('--trust-unverified unpinned');
    expect(fetched('/unpinned')).toBe(before);
    const r = await fetchArtifact(dir, artifact('unpinned'), { trustUnverified: true });
    expect(r.sha256).toBe(sha256(unpinned));
  });

  it('refuses plain http to anything but loopback', async () => {
    const e = await rackErrorOf(fetchArtifact(dir, artifact('plain-http')));
    expect(e.diagnostics[0].code).toBe('E_IMAGE_FETCH');
    expect(e.message).toContain('refusing');
  });
});

describe('requireImage', () => {
  it('names the missing file and the command that fetches it', async () => {
    const e = await rackErrorOf(requireImage(dir, 'tool'));
    expect(e.diagnostics[0].code).toBe('E_IMAGE_MISSING');
    expect(e.message).toContain('bin/tool');
    expect(e.diagnostics[0].hint).toContain('npx rack images fetch tool');
  });

  it('returns the path of a verified artifact and rejects a damaged one', async () => {
    await fetchArtifact(dir, artifact('tool'));
    expect(await requireImage(dir, 'tool')).toBe(join(dir, 'bin/tool'));
    writeFileSync(join(dir, 'bin/tool'), Buffer.concat([good.subarray(1), Buffer.from('y')]));
    expect((await rackErrorOf(requireImage(dir, 'tool'))).diagnostics[0].code).toBe('E_IMAGE_CHECKSUM');
  });

  it('suggests a near name for an unknown artifact', async () => {
    const e = await rackErrorOf(requireImage(dir, 'tol'));
    expect(e.diagnostics[0].code).toBe('E_IMAGE_UNKNOWN');
    expect(e.diagnostics[0].hint).toBe("did you mean 'tool'?");
  });
});

describe('rack images CLI', () => {
  it('list shows status; fetch NAME installs; check verifies', async () => {
    let io = captureIo({});
    expect(await imagesMain(['list', '--dir', dir], io)).toBe(0);
    expect(io.out()).toMatch(/^tool\s+k3s-binary\s+missing\s+bin\/tool$/m);
    io = captureIo({});
    expect(await imagesMain(['fetch', '--dir', dir, 'tool', 'moved'], io)).toBe(0);
    expect(io.out()).toContain('fetched tool: bin/tool');
    io = captureIo({});
    expect(await imagesMain(['check', '--dir', dir, 'tool'], io)).toBe(0);
    expect(io.out()).toContain(`tool: present sha256 ${sha256(good)}`);
    io = captureIo({ RACK_IMAGES_DIR: dir });
    expect(await imagesMain(['list'], io)).toBe(0);
    expect(io.out()).toMatch(/^tool\s+k3s-binary\s+present/m);
    expect(io.out()).toMatch(/^unpinned\s+pi-firmware\s+missing/m);
  });

  it('exits 1 with diagnostics when an artifact cannot be fetched or checked', async () => {
    let io = captureIo({});
    expect(await imagesMain(['fetch', '--dir', dir, 'tampered', 'unpinned'], io)).toBe(1);
    expect(io.err()).toContain('E_IMAGE_CHECKSUM');
    expect(io.err()).toContain('E_IMAGE_UNVERIFIED');
    expect(io.err()).toContain('2 of 2 artifact(s) not fetched');
    io = captureIo({});
    expect(await imagesMain(['check', '--dir', dir, 'tool'], io)).toBe(1);
    expect(io.out()).toContain('tool: missing');
    io = captureIo({});
    expect(await imagesMain(['fetch', '--dir', dir, '--trust-unverified', 'unpinned'], io)).toBe(0);
    expect(io.out()).toContain(`pin it with sha256: ${sha256(unpinned)}`);
  });
});
