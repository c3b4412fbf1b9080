// verify's comparison: each published file against the rebuilt artifact of the
// same name. Published files are the "control" column, the rebuild the "experiment".
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArtifactResult } from '../../reports/model.js';
import type { HashedTree } from './compare.js';

export type PublishedFile = Readonly<{ file: string; sha256: string; size: number }>;

/** Published files by file name (the name they were published under). */
export type Published = ReadonlyMap<string, PublishedFile>;

export function compareWithPublished(published: Published, rebuilt: HashedTree): ArtifactResult[] {
  const byName = new Map([...rebuilt].map(([path, entry]) => [basename(path), entry]));
  return [...published].map(([name, p]): ArtifactResult => {
    const r = byName.get(name);
    const sha = r?.sha256 ?? null;
    return {
      path: name, kind: 'file', status: !r ? 'missing-in-experiment' : sha === p.sha256 ? 'identical' : 'differs',
      size: { control: p.size, experiment: r?.size ?? null }, sha256: { control: p.sha256, experiment: sha },
      linkTarget: null, escapedName: false, node: null, ignored: null,
    };
  });
}

/** Copies each differing pair side by side (published/NAME/x, rebuilt/NAME/x) so diffoscope's report reads as the pair. */
export async function stagePublishedPairs(
  published: Published, rebuilt: HashedTree, rebuiltDir: string, differing: readonly ArtifactResult[], stageRoot: string, name: string,
): Promise<Readonly<{ control: string; experiment: string }>> {
  const dirs = { control: join(stageRoot, 'published', name), experiment: join(stageRoot, 'rebuilt', name) };
  await Promise.all([mkdir(dirs.control, { recursive: true }), mkdir(dirs.experiment, { recursive: true })]);
  const rebuiltPath = new Map([...rebuilt.keys()].map((path) => [basename(path), path]));
  for (const a of differing) {
    await copyFile(published.get(a.path)!.file, join(dirs.control, a.path));
    const from = rebuiltPath.get(a.path);
    if (from) await copyFile(join(rebuiltDir, from), join(dirs.experiment, a.path));
  }
  return dirs;
}
