// Collects artifacts on both sides and compares them pair by pair, by relative
// path: files by streaming SHA-256, symlinks by their target string (never followed),
// FIFOs, sockets and device nodes by what they are (never opened: a FIFO would block,
// a device could be endless).
//
// Memory stays flat however many artifacts there are: each tree is walked as a
// stream in one fixed order (each directory's names sorted by their bytes, then
// recursed into), the two streams are merge-joined by relative path, at most a
// bounded window of pairs is hashed at once, and each result is handed on in
// order (to a bounded list, and past ARTIFACT_LIST_LIMIT to a side file). What is
// held is the walk's path (depth × the widest directory), never the file count.
import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import fg from 'fast-glob';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import { ARTIFACT_LIST_LIMIT, type ArtifactResult, type ArtifactSummary } from '../../reports/model.js';
import { openArtifactList, removeArtifactList, type ArtifactListWriter } from '../../reports/write.js';
import { TwinbuildError } from '../../core/errors.js';
import { escapeBytes, hashInsideTree, treeReader, type TreeReader } from './inside-tree.js';

export { escapeBytes } from './inside-tree.js';

/** What a non-regular, non-link entry is, e.g. "fifo" or "char device 1:3". */
function describeNode(info: Stats): string | undefined {
  const numbers = `${Math.floor(info.rdev / 256) & 0xfff}:${(info.rdev & 0xff) | ((info.rdev >> 12) & 0xfff00)}`;
  if (info.isFIFO()) return 'fifo';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice()) return `char device ${numbers}`;
  if (info.isBlockDevice()) return `block device ${numbers}`;
  return undefined;
}

const aborted = (signal: AbortSignal | undefined) => {
  if (signal?.aborted) throw new TwinbuildError('interrupted', 'interrupted');
};

// Note: fast-glob starts its walk at each pattern's base directory and follows it
// even when it is a symlink (to /etc, to /), so the bases are checked before any
// walk: after brace expansion, none may leave the tree or pass through a symlink.
// The walk below never follows a link, but a static pattern through a symlinked
// directory must still be an error, never "nothing matched".
async function refuseEscapingBases(tree: TreeReader, patterns: readonly string[]): Promise<void> {
  for (const task of fg.generateTasks([...patterns], { dot: true })) {
    if (task.dynamic) await tree.resolve(task.base, `artifact glob ${task.patterns.join(' ')}`, true);
    else for (const pattern of task.patterns) await tree.resolve(pattern, `artifact ${pattern}`);
  }
}

type Matcher = Readonly<{ matches: (rel: string) => boolean; mayHold: (dir: string) => boolean }>;

// Note: a glob's `.` never matches a line break, and a name that is not UTF-8 is
// matched in its \xNN form: the break is swapped for a character `.` does match,
// so such files are compared, never silently skipped.
function artifactMatcher(patterns: readonly string[]): Matcher {
  const positive = patterns.filter((p) => !p.startsWith('!'));
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const isMatch = picomatch(positive, { dot: true });
  const isExcluded = negative.length > 0 ? picomatch(negative, { dot: true }) : () => false;
  // Only directories on the way to (or below) a pattern's static base are walked.
  const bases = fg.generateTasks(positive, { dot: true }).map((t) => (t.base === '.' ? '' : t.base));
  return {
    matches: (rel) => {
      const name = rel.replace(/[\n\r\uFFFD]/g, '\u0001');
      return isMatch(name) && !isExcluded(name);
    },
    mayHold: (dir) => bases.some((b) => b === '' || dir === b || dir.startsWith(`${b}/`) || b.startsWith(`${dir}/`)),
  };
}

type Walked = Readonly<{
  /** The relative path as shown (\xNN for bytes that are not UTF-8). */
  rel: string;
  /** The real bytes, when `rel` had to escape them. */
  raw: Buffer | null;
  /** The relative path with NUL for `/`: walk order is this key's byte order. */
  key: Buffer;
  type: 'file' | 'symlink' | 'other';
}>;

const SLASH = Buffer.from('/');
const NUL = Buffer.from([0]);

// Note: each directory's names are sorted by their bytes and a directory's
// contents come right after it, which is the byte order of the path with NUL as
// the separator (a name never holds NUL): the same order on both sides, so the
// two streams can be merge-joined. Symlinked directories are never walked.
async function* walkTree(tree: TreeReader, match: Matcher, signal: AbortSignal | undefined): AsyncGenerator<Walked> {
  async function* walk(abs: Buffer, rel: Buffer | null, key: Buffer | null): AsyncGenerator<Walked> {
    aborted(signal);
    const entries = (await readdir(abs, { withFileTypes: true, encoding: 'buffer' }))
      .map((entry) => ({ entry, name: entry.name as unknown as Buffer }))
      .sort((a, b) => Buffer.compare(a.name, b.name));
    for (const { entry, name } of entries) {
      aborted(signal);
      const childRel = rel ? Buffer.concat([rel, SLASH, name]) : name;
      const childKey = key ? Buffer.concat([key, NUL, name]) : name;
      const utf8 = isUtf8(childRel);
      const shown = utf8 ? childRel.toString('utf8') : escapeBytes(childRel);
      if (entry.isDirectory()) {
        if (match.mayHold(shown)) yield* walk(Buffer.concat([abs, SLASH, name]), childRel, childKey);
        continue; // directories are not artifacts
      }
      if (!match.matches(shown)) continue;
      yield {
        rel: shown,
        raw: utf8 ? null : childRel,
        key: childKey,
        type: entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'other',
      };
    }
  }
  yield* walk(Buffer.from(tree.root), null, null);
}

type Pair = readonly [Walked | null, Walked | null];

/** Merge-joins two walks by path: both, or one side only. */
async function* joinWalks(control: AsyncIterator<Walked>, experiment: AsyncIterator<Walked>): AsyncGenerator<Pair> {
  let [c, e] = await Promise.all([control.next(), experiment.next()]);
  while (!c.done || !e.done) {
    const order = c.done ? 1 : e.done ? -1 : Buffer.compare(c.value.key, e.value.key);
    if (order === 0) {
      yield [c.value, e.value];
      [c, e] = await Promise.all([control.next(), experiment.next()]);
    } else if (order < 0) {
      yield [c.value as Walked, null];
      c = await control.next();
    } else {
      yield [null, e.value as Walked];
      e = await experiment.next();
    }
  }
}

// Note: the signal is checked before each file (and between a large file's
// chunks), so an interrupt never lets a half-hashed tree pass as compared, and
// stops a million-file walk within a second.
/** Runs `work` on each item, at most `bound` at once, and hands the results to `visit` in the items' order. */
async function inOrder<T, R>(
  items: AsyncIterable<T>,
  bound: number,
  work: (item: T) => Promise<R>,
  visit: (result: R) => Promise<void> | void,
): Promise<void> {
  const limit = pLimit(bound);
  const window: Promise<R>[] = [];
  try {
    for await (const item of items) {
      const task = limit(() => work(item));
      task.catch(() => {}); // awaited below, in order; a failure must not go unhandled meanwhile
      window.push(task);
      if (window.length >= 2 * bound) await visit(await window.shift()!);
    }
    while (window.length > 0) await visit(await window.shift()!);
  } catch (error) {
    await Promise.allSettled(window);
    throw error;
  }
}

/** One side's artifact: a file by size and SHA-256, a symlink by its target, a special file by what it is. */
export type HashedArtifact = Readonly<{
  kind: 'file' | 'symlink' | 'special';
  size: number | null;
  sha256: string | null;
  target: string | null;
  node?: string;
  escapedName?: true;
}>;

export type HashedTree = ReadonlyMap<string, HashedArtifact>;

async function describe(
  tree: TreeReader,
  walked: Walked | null,
  signal: AbortSignal | undefined,
): Promise<HashedArtifact | null> {
  if (!walked) return null;
  aborted(signal);
  const rel = walked.raw ?? walked.rel;
  const shown = `artifact ${walked.rel}`;
  const escaped = walked.raw ? { escapedName: true as const } : {};
  if (walked.type === 'file') {
    const { sha256, size } = await hashInsideTree(tree, rel, shown, signal);
    return { kind: 'file', size, sha256, target: null, ...escaped };
  }
  const at = await tree.resolve(rel, shown);
  const info = await lstat(at);
  if (info.isSymbolicLink())
    return {
      kind: 'symlink',
      size: null,
      sha256: null,
      target: escapeBytes(await readlink(at, { encoding: 'buffer' })),
      ...escaped,
    };
  if (info.isFile()) return describe(tree, { ...walked, type: 'file' }, signal);
  const node = describeNode(info);
  return node ? { kind: 'special', size: null, sha256: null, target: null, node, ...escaped } : null; // a directory now: not an artifact
}

const MISSING: HashedArtifact = { kind: 'file', size: null, sha256: null, target: null };

/** One path's result from what each side has there (undefined: missing on that side). */
function pairOne(path: string, c: HashedArtifact | undefined, e: HashedArtifact | undefined): ArtifactResult {
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
}

/** Pairs two hashed trees by relative path; missing on one side is a difference. */
export function pairArtifacts(control: HashedTree, experiment: HashedTree): ArtifactResult[] {
  const paths = [...new Set([...control.keys(), ...experiment.keys()])].sort();
  return paths.map((path) => pairOne(path, control.get(path), experiment.get(path)));
}

/** Files hashed at once per side: --jobs, at least 8, as small files are I/O-bound. */
const hashBound = (jobs: number) => Math.max(8, jobs);

// Note: the one streaming comparison; `visit` gets every artifact once, in path order.
/** Compares the artifacts of two trees in constant memory; none is read from outside its own tree. */
export async function compareTrees(
  dirs: Readonly<{ control: string; experiment: string }>,
  patterns: readonly string[],
  jobs: number,
  signal: AbortSignal | undefined,
  visit: (artifact: ArtifactResult) => Promise<void> | void,
): Promise<void> {
  const [control, experiment] = await Promise.all([treeReader(dirs.control), treeReader(dirs.experiment)]);
  await refuseEscapingBases(control, patterns);
  await refuseEscapingBases(experiment, patterns);
  aborted(signal);
  const match = artifactMatcher(patterns);
  const pairs = joinWalks(walkTree(control, match, signal), walkTree(experiment, match, signal));
  await inOrder(
    pairs,
    hashBound(jobs),
    async ([c, e]) => {
      const [cd, ed] = await Promise.all([describe(control, c, signal), describe(experiment, e, signal)]);
      return cd || ed ? pairOne((c ?? e)!.rel, cd ?? undefined, ed ?? undefined) : null;
    },
    (artifact) => (artifact ? visit(artifact) : undefined),
  );
}

/** Every artifact under `dir` matching `patterns` (and `keep`, which bounds what is held), hashed; none is read from outside `dir`. */
export async function hashArtifacts(
  dir: string,
  patterns: readonly string[],
  jobs: number,
  signal?: AbortSignal,
  keep: (path: string) => boolean = () => true,
): Promise<HashedTree> {
  const tree = await treeReader(dir);
  await refuseEscapingBases(tree, patterns);
  aborted(signal);
  const hashed = new Map<string, HashedArtifact>();
  await inOrder(
    walkTree(tree, artifactMatcher(patterns), signal),
    hashBound(jobs),
    async (walked) => [walked.rel, await describe(tree, walked, signal)] as const,
    ([rel, artifact]) => {
      if (artifact && keep(rel)) hashed.set(rel, artifact);
    },
  );
  return hashed;
}

/** Where the full artifact list goes once there are more than `limit` (null: nowhere, e.g. a bisect probe). */
export type Listing = Readonly<{ limit: number; file: Readonly<{ path: string; shown: string }> | null }>;

export type Comparison = Readonly<{ artifacts: ArtifactResult[]; summary: ArtifactSummary }>;

/** The summary of a list that holds every artifact. */
export function summaryOf(artifacts: readonly ArtifactResult[], limit = ARTIFACT_LIST_LIMIT): ArtifactSummary {
  const identical = artifacts.filter((a) => a.status === 'identical').length;
  return {
    total: artifacts.length,
    identical,
    notIdentical: artifacts.length - identical,
    listed: 'all',
    limit,
    file: null,
  };
}

// Note: every artifact is kept while there are at most `limit`; past it, only the
// first `limit` not identical, and the full list is streamed to the side file.
function boundedList(listing: Listing) {
  let everything: ArtifactResult[] | null = [];
  const notIdentical: ArtifactResult[] = [];
  const counts = { total: 0, identical: 0, notIdentical: 0 };
  let writer: ArtifactListWriter | null = null;
  return {
    add: async (artifact: ArtifactResult) => {
      counts.total++;
      if (artifact.status === 'identical') counts.identical++;
      else if (++counts.notIdentical <= listing.limit) notIdentical.push(artifact);
      if (writer) return writer.write(artifact);
      if (!everything) return;
      everything.push(artifact);
      if (everything.length <= listing.limit) return;
      const kept = everything;
      everything = null;
      if (!listing.file) return;
      writer = await openArtifactList(listing.file.path);
      for (const earlier of kept) await writer.write(earlier);
    },
    finish: async (): Promise<Comparison> => {
      if (everything) {
        if (listing.file) await removeArtifactList(listing.file.path); // a previous run's, now stale
        return { artifacts: everything, summary: { ...summaryOf(everything, listing.limit) } };
      }
      await writer?.commit();
      const file = writer && listing.file ? listing.file.shown : null;
      return { artifacts: notIdentical, summary: { ...counts, listed: 'not-identical', limit: listing.limit, file } };
    },
    discard: async () => {
      await writer?.discard();
    },
  };
}

/** Compares two trees' artifacts: the list (bounded by `listing.limit`) and counts over all of them. */
export async function compareArtifacts(
  dirs: Readonly<{ control: string; experiment: string }>,
  patterns: readonly string[],
  /** Files hashed at once per side (--jobs; at least 8, as small files are I/O-bound). */
  jobs: number,
  signal?: AbortSignal,
  listing: Listing = { limit: ARTIFACT_LIST_LIMIT, file: null },
): Promise<Comparison> {
  const list = boundedList(listing);
  try {
    await compareTrees(dirs, patterns, jobs, signal, list.add);
    return await list.finish();
  } catch (error) {
    await list.discard();
    throw error;
  }
}
