// Publishing where apt-transport-in-toto looks: <publish>/sources/<binary>/<version>/metadata
// (the link), the DSSE statement beside it. Files are staged under the publish
// directory (same file system), synced, then renamed into place: a reader sees
// the whole file or none. A failed publish takes back what it had renamed.
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Binary } from './indexes.js';

export const STAGING = '.staging';

// Note: apt names the .deb with an epoch's ":" as "%3a"; the in-toto method puts
// that in the URL and python-requests sends it as "%3A" (measured). A static server
// that decodes URLs (python's http.server, nginx) looks for ":"; one that does not, for "%3A".
export function versionDirs(version: string): string[] {
  return version.includes(':') ? [version, version.replace(/:/g, '%3A')] : [version];
}

/** The .deb file name apt downloads to (and hands to in-toto): epoch included, ":" as "%3a". */
export const aptFileName = (b: Pick<Binary, 'package' | 'version' | 'architecture'>) =>
  `${b.package}_${b.version.replace(/:/g, '%3a')}_${b.architecture}.deb`;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Writes, syncs and closes: after a crash the file is either whole or absent from its final place. */
export async function writeDurably(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'w', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write-then-rename for one file (the status page, status.json). */
export async function replaceFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeDurably(temporary, content);
  await rename(temporary, path);
}

export type Staged = readonly (readonly [string, string])[];

/** Stages the link and statement once per binary (and version spelling); returns staged → final pairs, relative to `publish`. */
export async function stageLinks(
  publish: string,
  jobId: number,
  link: Buffer,
  statement: Buffer,
  statementName: string,
  binaries: readonly Binary[],
): Promise<Staged> {
  const pairs: [string, string][] = [];
  const dir = join(STAGING, String(jobId));
  await rm(join(publish, dir), { recursive: true, force: true });
  for (const binary of binaries) {
    for (const version of versionDirs(binary.version)) {
      const final = join('sources', binary.package, version);
      for (const [name, content] of [
        ['metadata', link],
        [statementName, statement],
      ] as const) {
        const staged = join(dir, String(pairs.length));
        await writeDurably(join(publish, staged), content);
        pairs.push([staged, join(final, name)]);
      }
    }
  }
  return pairs;
}

/** Moves staged files into place. Run again after a crash: a pair already moved is skipped. */
export async function completePublishing(publish: string, pairs: Staged): Promise<string[]> {
  const moved: string[] = [];
  try {
    for (const [staged, final] of pairs) {
      if (!(await exists(join(publish, staged))) && (await exists(join(publish, final)))) continue;
      await mkdir(dirname(join(publish, final)), { recursive: true });
      await rename(join(publish, staged), join(publish, final));
      moved.push(final);
    }
  } catch (error) {
    // Nothing half-published: what this call moved is taken back.
    await Promise.all(moved.map((final) => unlink(join(publish, final)).catch(() => undefined)));
    throw error;
  }
  await discardStaged(publish, pairs);
  return pairs.map(([, final]) => final);
}

export async function discardStaged(publish: string, pairs: Staged): Promise<void> {
  const dirs = new Set(pairs.map(([staged]) => dirname(join(publish, staged))));
  await Promise.all([...dirs].map((d) => rm(d, { recursive: true, force: true })));
}
