// Fixture packages for suite tests: generic ones with chosen verdicts, a tiny
// Debian source package (debhelper, one installed file) and an npm package.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
}

/** A package built by `sh build.sh`, writing `out/`. */
export const genericPackage = (root: string, dir: string, script: string) =>
  writeFiles(root, { [`${dir}/build.sh`]: `set -eu\nmkdir -p out\n${script}\n` });

export const REPRODUCIBLE = 'echo "$(basename "$PWD") 1.0" > out/version.txt';
export const LEAKS_UMASK = 'umask > out/umask.txt';
export const FAILS = 'echo "missing dependency" >&2; exit 4';

export async function debianPackage(dir: string, name = 'tinyhello'): Promise<void> {
  await writeFiles(dir, {
    'debian/control':
      `Source: ${name}\nSection: misc\nPriority: optional\nMaintainer: Twinbuild ` +
      `Tests <tests@example.org>\nBuild-Depends: debhelper-compat (= ` +
      `13)\nStandards-Version: 4.6.2\nRules-Requires-Root: no\n\nPackage: ` +
      `${name}\nArchitecture: all\nDescription: tiny test package for twinbuild\n One ` +
      `shell script, installed.\n`,
    'debian/changelog':
      `${name} (1.0) unstable; urgency=medium\n\n  * Initial release.\n\n -- ` +
      `Twinbuild Tests <tests@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n`,
    'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'debian/source/format': '3.0 (native)\n',
    'debian/install': `${name} usr/bin\n`,
    [name]: '#!/bin/sh\necho hello\n',
  });
  await chmod(join(dir, 'debian/rules'), 0o755);
  await chmod(join(dir, name), 0o755);
}

export const npmPackage = (dir: string, name = 'tiny-npm') =>
  writeFiles(dir, {
    'package.json': JSON.stringify({ name, version: '1.0.0', main: 'index.js' }, null, 2) + '\n',
    'index.js': 'module.exports = 42;\n',
    'lib/a.js': 'exports.a = 1;\n',
    'lib/b.js': 'exports.b = 2;\n',
  });
