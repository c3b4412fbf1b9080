// verify's comparison: each published file against the rebuilt artifact of the
// same name. Published files are the "control" column, the rebuild the "experiment".
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactResult } from '../../reports/model.js';
import type { HashedTree } from './compare.js';
import { treeReader } from './inside-tree.js';

export type PublishedFile = Readonly<{
  file: string;
  sha256: string;
  size: number;
  /** A signed RPM: compared without its signature header (lead, header and payload only); `sha256` is of those bytes. */
  withoutRpmSignature?: Readonly<{ sha256: string }>;
}>;

/** Published files by file name (the name they were published under). */
export type Published = ReadonlyMap<string, PublishedFile>;

export function compareWithPublished(published: Published, rebuilt: HashedTree): ArtifactResult[] {
  const byName = new Map([...rebuilt].map(([path, entry]) => [basename(path), entry]));
  return [...published].map(([name, p]): ArtifactResult => {
    const r = byName.get(name);
    const sha = r?.sha256 ?? null;
    // A rebuilt symlink or special file is shown as what it is, and never handed to diffoscope.
    return {
      path: name,
      kind: r?.kind ?? 'file',
      status: !r ? 'missing-in-experiment' : sha === p.sha256 ? 'identical' : 'differs',
      size: { control: p.size, experiment: r?.size ?? null },
      sha256: { control: p.sha256, experiment: sha },
      linkTarget: r?.kind === 'symlink' ? { control: null, experiment: r.target } : null,
      escapedName: false,
      node: r?.kind === 'special' ? { control: null, experiment: r.node ?? null } : null,
      ignored: null,
    };
  });
}

const RPM_LEAD_MAGIC = 0xedabeedb;
const RPM_HEADER_MAGIC = 0x8eade801;
const RPM_LEAD_BYTES = 96;

// An RPM is a 96-byte lead, the signature header (16-byte preamble, 16 bytes per
// index entry, its data, padded to 8 bytes), the main header, then the payload.
// Signing rewrites only the signature header, so the rest is what a rebuild must match.
/** Where the signature header of the RPM `handle` lies, or null when the file is not an RPM (checked by its magic numbers). */
export async function rpmSignatureRange(
  handle: FileHandle,
  size: number,
): Promise<Readonly<{ start: number; end: number }> | null> {
  if (size < RPM_LEAD_BYTES + 16) return null;
  const head = Buffer.alloc(RPM_LEAD_BYTES + 16);
  await handle.read(head, 0, head.length, 0);
  if (head.readUInt32BE(0) !== RPM_LEAD_MAGIC || head.readUInt32BE(RPM_LEAD_BYTES) !== RPM_HEADER_MAGIC) return null;
  const entries = head.readUInt32BE(RPM_LEAD_BYTES + 8);
  const dataBytes = head.readUInt32BE(RPM_LEAD_BYTES + 12);
  const unpadded = RPM_LEAD_BYTES + 16 + entries * 16 + dataBytes;
  const end = unpadded + ((8 - (unpadded % 8)) % 8);
  if (end + 16 > size) return null;
  const next = Buffer.alloc(4);
  await handle.read(next, 0, 4, end);
  return next.readUInt32BE(0) === RPM_HEADER_MAGIC ? { start: RPM_LEAD_BYTES, end } : null;
}

/** SHA-256 of an RPM's lead, header and payload (its signature header set aside); null when it is not an RPM. */
export async function sha256WithoutRpmSignature(handle: FileHandle, size: number): Promise<string | null> {
  const range = await rpmSignatureRange(handle, size);
  if (!range) return null;
  const hash = createHash('sha256');
  const lead = Buffer.alloc(range.start);
  await handle.read(lead, 0, range.start, 0);
  hash.update(lead);
  await pipeline(handle.createReadStream({ start: range.end, autoClose: false }), hash);
  return hash.digest('hex');
}

/**
 * compareWithPublished, then each signed published RPM that differs is compared
 * again without the signature headers: identical when the rebuilt RPM's lead,
 * header and payload are the published one's byte for byte.
 */
export async function compareWithPublishedFiles(
  published: Published,
  rebuilt: HashedTree,
  rebuiltDir: string,
): Promise<ArtifactResult[]> {
  const artifacts = compareWithPublished(published, rebuilt);
  if (![...published.values()].some((p) => p.withoutRpmSignature)) return artifacts;
  const rebuiltPath = new Map(
    [...rebuilt]
      .filter(([, entry]) => entry.kind === 'file' && !entry.escapedName)
      .map(([path]) => [basename(path), path]),
  );
  const tree = await treeReader(rebuiltDir);
  return Promise.all(
    artifacts.map(async (a) => {
      const setAside = published.get(a.path)?.withoutRpmSignature;
      const from = rebuiltPath.get(a.path);
      if (a.status !== 'differs' || !setAside || !from) return a;
      const { handle, size } = await tree.open(from, `artifact ${from}`);
      try {
        return (await sha256WithoutRpmSignature(handle, size)) === setAside.sha256
          ? { ...a, status: 'identical' as const }
          : a;
      } finally {
        await handle.close();
      }
    }),
  );
}

/** Copies each differing pair side by side (published/NAME/x, rebuilt/NAME/x) so diffoscope's report reads as the pair. */
export async function stagePublishedPairs(
  published: Published,
  rebuilt: HashedTree,
  rebuiltDir: string,
  differing: readonly ArtifactResult[],
  stageRoot: string,
  name: string,
): Promise<Readonly<{ control: string; experiment: string }>> {
  const dirs = { control: join(stageRoot, 'published', name), experiment: join(stageRoot, 'rebuilt', name) };
  await Promise.all([mkdir(dirs.control, { recursive: true }), mkdir(dirs.experiment, { recursive: true })]);
  const rebuiltPath = new Map(
    [...rebuilt]
      .filter(([, entry]) => entry.kind === 'file' && !entry.escapedName)
      .map(([path]) => [basename(path), path]),
  );
  const tree = await treeReader(rebuiltDir);
  for (const a of differing) {
    await copyFile(published.get(a.path)!.file, join(dirs.control, a.path));
    const from = rebuiltPath.get(a.path);
    if (!from) continue;
    // Note: copied through the checked handle, never by path: copyFile would follow a symlinked directory.
    const { handle } = await tree.open(from, `artifact ${from}`);
    try {
      await pipeline(
        handle.createReadStream({ start: 0, autoClose: false }),
        createWriteStream(join(dirs.experiment, a.path)),
      );
    } finally {
      await handle.close();
    }
  }
  return dirs;
}
