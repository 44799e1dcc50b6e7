import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mustRun } from './run.js';

/**
 * Tiny packages for the nodes' offline apt repository, so the apt module can install,
 * upgrade and remove a real package with no network. rack-hello has two versions so
 * `state: latest` has something to upgrade to.
 */
interface TinyPackage {
  name: string;
  version: string;
  description: string;
  files: Record<string, { content: string; mode: number }>;
}

export const REPO_DIR = '/srv/rack-repo';
export const REPO_SOURCE = `deb [trusted=yes] file:${REPO_DIR} ./\n`;

const hello = (version: string): TinyPackage => ({
  name: 'rack-hello',
  version,
  description: 'rack lab test package: prints a greeting',
  files: { 'usr/bin/rack-hello': { content: `#!/bin/sh\necho "hello from rack-hello ${version}"\n`, mode: 0o755 } },
});

export const REPO_PACKAGES: TinyPackage[] = [
  hello('1.0'),
  hello('1.1'),
  {
    name: 'rack-motd',
    version: '1.0',
    description: 'rack lab test package: a message file',
    files: { 'usr/share/rack-motd/motd': { content: 'rack lab node\n', mode: 0o644 } },
  },
];

function controlText(p: TinyPackage): string {
  return [
    `Package: ${p.name}`,
    `Version: ${p.version}`,
    'Architecture: all',
    'Maintainer: rack lab <lab@rack.invalid>',
    'Section: misc',
    'Priority: optional',
    `Description: ${p.description}`,
    '',
  ].join('\n');
}

const digest = (algo: string, data: Buffer) => createHash(algo).update(data).digest('hex');

/** Build every package with dpkg-deb into `<root>/srv/rack-repo` and write its Packages and Release index. */
export async function buildAptRepo(root: string): Promise<void> {
  const repo = join(root, REPO_DIR);
  mkdirSync(repo, { recursive: true });
  const stanzas: string[] = [];
  const staging = mkdtempSync(join(tmpdir(), 'rack-deb-'));
  try {
    for (const p of REPO_PACKAGES) {
      const dir = join(staging, `${p.name}_${p.version}`);
      mkdirSync(join(dir, 'DEBIAN'), { recursive: true });
      writeFileSync(join(dir, 'DEBIAN', 'control'), controlText(p));
      for (const [path, f] of Object.entries(p.files)) {
        const target = join(dir, path);
        mkdirSync(join(target, '..'), { recursive: true });
        writeFileSync(target, f.content);
        chmodSync(target, f.mode);
      }
      const file = `${p.name}_${p.version}_all.deb`;
      await mustRun('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', dir, join(repo, file)]);
      const deb = readFileSync(join(repo, file));
      stanzas.push(
        controlText(p).trimEnd() +
          `\nFilename: ./${file}\nSize: ${statSync(join(repo, file)).size}\nMD5sum: ${digest('md5', deb)}\nSHA256: ${digest('sha256', deb)}\n`,
      );
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const packages = Buffer.from(stanzas.join('\n'));
  writeFileSync(join(repo, 'Packages'), packages);
  writeFileSync(
    join(repo, 'Release'),
    `Origin: rack-lab\nLabel: rack-lab\nArchitectures: all amd64\nSHA256:\n ${digest('sha256', packages)} ${packages.length} Packages\n`,
  );
}
