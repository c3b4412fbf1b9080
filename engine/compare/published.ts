// verify's comparison: each published file against the rebuilt artifact of the
// same name. Published files are the "control" column, the rebuild the "experiment".
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactResult } from '../../reports/model.js';
import type { HashedTree } from './compare.js';
import { treeReader } from './inside-tree.js';

export type PublishedFile = Readonly<{ file: string; sha256: string; size: number }>;

/** Published files by file name (the name they were published under). */
export type Published = ReadonlyMap<string, PublishedFile>;

export function compareWithPublished(published: Published, rebuilt: HashedTree): ArtifactResult[] {
  const byName = new Map([...rebuilt].map(([path, entry]) => [basename(path), entry]));
  return [...published].map(([name, p]): ArtifactResult => {
    const r = byName.get(name);
    const sha = r?.sha256 ?? null;
    // A rebuilt symlink or special file is shown as what it is, and never handed to diffoscope.
    return {
      path: name, kind: r?.kind ?? 'file', status: !r ? 'missing-in-experiment' : sha === p.sha256 ? 'identical' : 'differs',
      size: { control: p.size, experiment: r?.size ?? null }, sha256: { control: p.sha256, experiment: sha },
      linkTarget: r?.kind === 'symlink' ? { control: null, experiment: r.target } : null, escapedName: false,
      node: r?.kind === 'special' ? { control: null, experiment: r.node ?? null } : null, ignored: null,
    };
  });
}

/** Copies each differing pair side by side (published/NAME/x, rebuilt/NAME/x) so diffoscope's report reads as the pair. */
export async function stagePublishedPairs(
  published: Published, rebuilt: HashedTree, rebuiltDir: string, differing: readonly ArtifactResult[], stageRoot: string, name: string,
): Promise<Readonly<{ control: string; experiment: string }>> {
  const dirs = { control: join(stageRoot, 'published', name), experiment: join(stageRoot, 'rebuilt', name) };
  await Promise.all([mkdir(dirs.control, { recursive: true }), mkdir(dirs.experiment, { recursive: true })]);
  const rebuiltPath = new Map([...rebuilt].filter(([, entry]) => entry.kind === 'file' && !entry.escapedName).map(([path]) => [basename(path), path]));
  const tree = await treeReader(rebuiltDir);
  for (const a of differing) {
    await copyFile(published.get(a.path)!.file, join(dirs.control, a.path));
    const from = rebuiltPath.get(a.path);
    if (!from) continue;
    // Note: copied through the checked handle, never by path: copyFile would follow a symlinked directory.
    const { handle } = await tree.open(from, `artifact ${from}`);
    try {
      await pipeline(handle.createReadStream({ start: 0, autoClose: false }), createWriteStream(join(dirs.experiment, a.path)));
    } finally {
      await handle.close();
    }
  }
  return dirs;
}
