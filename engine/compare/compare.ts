// Collects artifacts on both sides and compares them pair by pair, by relative
// path: files by streaming SHA-256, symlinks by their target string (never followed),
// FIFOs, sockets and device nodes by what they are (never opened: a FIFO would block,
// a device could be endless).
import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import fg from 'fast-glob';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import type { ArtifactResult } from '../../reports/model.js';
import { TwinbuildError } from '../../core/errors.js';
import { escapeBytes, hashInsideTree, treeReader, type TreeReader } from './inside-tree.js';

export { escapeBytes } from './inside-tree.js';

type Entry = Readonly<{ kind: 'file'; size: number; raw?: Buffer } | { kind: 'symlink'; target: string } | { kind: 'special'; node: string }>;

/** What a non-regular, non-link entry is, e.g. "fifo" or "char device 1:3". */
function describeNode(info: Stats): string | undefined {
  const numbers = `${Math.floor(info.rdev / 256) & 0xfff}:${(info.rdev & 0xff) | ((info.rdev >> 12) & 0xfff00)}`;
  if (info.isFIFO()) return 'fifo';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice()) return `char device ${numbers}`;
  if (info.isBlockDevice()) return `block device ${numbers}`;
  return undefined;
}

// lstat is cheap and I/O-bound: a fixed, generous bound is enough.
const STAT_CONCURRENCY = 16;

// Note: fast-glob's `**` never matches a name holding a newline (its regexes use
// `.`), and Node cannot name a file whose bytes are not UTF-8 with a string, so
// such files would silently go uncompared. The tree is walked as bytes to find
// them: a name with a line break is matched with the break swapped for a
// character `.` does match; a name that is not UTF-8 is shown with \xNN escapes
// and reached through its raw bytes (relative to the tree).
type OddName = Readonly<{ rel: string; raw: Buffer | null }>;

async function oddNames(dir: string, patterns: readonly string[]): Promise<OddName[]> {
  const found: OddName[] = [];
  const walk = async (abs: Buffer, rel: Buffer | null): Promise<void> => {
    for (const entry of await readdir(abs, { withFileTypes: true, encoding: 'buffer' })) {
      const name = entry.name as unknown as Buffer;
      const childRel = rel ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      const childAbs = Buffer.concat([abs, Buffer.from('/'), name]);
      if (!isUtf8(childRel)) found.push({ rel: escapeBytes(childRel), raw: childRel });
      else if (/[\n\r\uFFFD]/.test(name.toString('utf8'))) found.push({ rel: childRel.toString('utf8'), raw: null });
      if (entry.isDirectory()) await walk(childAbs, childRel);
    }
  };
  await walk(Buffer.from(dir), null);
  if (found.length === 0) return [];
  const matchers = patterns.map((p) => picomatch(p, { dot: true }));
  return found.filter(({ rel }) => matchers.some((m) => m(rel.replace(/[\n\r\uFFFD]/g, '\u0001'))));
}

// Note: fast-glob starts its walk at each pattern's base directory and follows it
// even when it is a symlink (to /etc, to /), so the bases are checked before any
// walk: after brace expansion, none may leave the tree or pass through a symlink.
async function refuseEscapingBases(tree: TreeReader, patterns: readonly string[]): Promise<void> {
  for (const task of fg.generateTasks([...patterns], { dot: true })) {
    if (task.dynamic) await tree.resolve(task.base, `artifact glob ${task.patterns.join(' ')}`, true);
    else for (const pattern of task.patterns) await tree.resolve(pattern, `artifact ${pattern}`);
  }
}

export async function collectArtifacts(dir: string, patterns: readonly string[], reader?: TreeReader): Promise<Map<string, Entry>> {
  const tree = reader ?? (await treeReader(dir));
  await refuseEscapingBases(tree, patterns);
  const globbed = await fg([...patterns], { cwd: dir, dot: true, onlyFiles: false, followSymbolicLinks: false, unique: true });
  const odd = await oddNames(dir, patterns);
  const rawPaths = new Map(odd.filter((o) => o.raw).map((o) => [o.rel, o.raw!]));
  // fast-glob lists a non-UTF-8 name in its lossy form (U+FFFD), which names no file.
  const paths = [...new Set([...globbed.filter((p) => !p.includes('\uFFFD')), ...odd.map((o) => o.rel)])];
  const limit = pLimit(STAT_CONCURRENCY);
  const entries = await Promise.all(
    paths.map((rel) =>
      limit(async (): Promise<[string, Entry] | undefined> => {
        const raw = rawPaths.get(rel);
        const at = await tree.resolve(raw ?? rel, `artifact ${rel}`);
        const info = await lstat(at);
        if (info.isSymbolicLink()) return [rel, { kind: 'symlink', target: escapeBytes(await readlink(at, { encoding: 'buffer' })) }];
        if (info.isFile()) return [rel, { kind: 'file', size: info.size, ...(raw ? { raw } : {}) }];
        const node = describeNode(info);
        return node ? [rel, { kind: 'special', node }] : undefined; // directories are not artifacts
      }),
    ),
  );
  return new Map(entries.filter((e): e is [string, Entry] => e !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One side's artifact: a file by size and SHA-256, a symlink by its target, a special file by what it is. */
export type HashedArtifact = Readonly<{ kind: 'file' | 'symlink' | 'special'; size: number | null; sha256: string | null; target: string | null; node?: string; escapedName?: true }>;

export type HashedTree = ReadonlyMap<string, HashedArtifact>;

const aborted = (signal: AbortSignal | undefined) => {
  if (signal?.aborted) throw new TwinbuildError('interrupted', 'interrupted');
};

// Note: the signal is checked before each file, so an interrupt never lets a
// half-hashed tree pass as compared.
/** Every artifact under `dir` matching `patterns`, hashed with at most max(8, jobs) files at once; none is read from outside `dir`. */
export async function hashArtifacts(dir: string, patterns: readonly string[], jobs: number, signal?: AbortSignal): Promise<HashedTree> {
  const tree = await treeReader(dir);
  const entries = await collectArtifacts(dir, patterns, tree);
  aborted(signal);
  const limit = pLimit(Math.max(8, jobs));
  const hashed = await Promise.all(
    [...entries].map(([rel, entry]) =>
      limit(async (): Promise<[string, HashedArtifact]> => {
        aborted(signal);
        if (entry.kind === 'symlink') return [rel, { kind: 'symlink', size: null, sha256: null, target: entry.target }];
        if (entry.kind === 'special') return [rel, { kind: 'special', size: null, sha256: null, target: null, node: entry.node }];
        const { sha256, size } = await hashInsideTree(tree, entry.raw ?? rel, `artifact ${rel}`);
        return [rel, { kind: 'file', size, sha256, target: null, ...(entry.raw ? { escapedName: true } : {}) }];
      }),
    ),
  );
  return new Map(hashed);
}

const MISSING: HashedArtifact = { kind: 'file', size: null, sha256: null, target: null };

/** Pairs two hashed trees by relative path; missing on one side is a difference. */
export function pairArtifacts(control: HashedTree, experiment: HashedTree): ArtifactResult[] {
  const paths = [...new Set([...control.keys(), ...experiment.keys()])].sort();
  return paths.map((path): ArtifactResult => {
    const c = control.get(path);
    const e = experiment.get(path);
    const [cd, ed] = [c ?? MISSING, e ?? MISSING];
    const status = !c
      ? 'missing-in-control'
      : !e
        ? 'missing-in-experiment'
        : c.kind === e.kind && c.sha256 === e.sha256 && c.target === e.target && c.node === e.node
          ? 'identical'
          : 'differs';
    return {
      path,
      kind: (c ?? e)?.kind ?? 'file',
      status,
      size: { control: cd.size, experiment: ed.size },
      sha256: { control: cd.sha256, experiment: ed.sha256 },
      linkTarget: cd.target !== null || ed.target !== null ? { control: cd.target, experiment: ed.target } : null,
      escapedName: Boolean(cd.escapedName || ed.escapedName),
      node: cd.node || ed.node ? { control: cd.node ?? null, experiment: ed.node ?? null } : null,
      ignored: null,
    };
  });
}

export type Comparison = Readonly<{ artifacts: ArtifactResult[]; control: HashedTree; experiment: HashedTree }>;

export async function compareArtifacts(
  dirs: Readonly<{ control: string; experiment: string }>,
  patterns: readonly string[],
  /** Files hashed at once per side (--jobs; at least 8, as small files are I/O-bound). */
  jobs: number,
  signal?: AbortSignal,
): Promise<Comparison> {
  const [control, experiment] = await Promise.all([hashArtifacts(dirs.control, patterns, jobs, signal), hashArtifacts(dirs.experiment, patterns, jobs, signal)]);
  return { artifacts: pairArtifacts(control, experiment), control, experiment };
}
