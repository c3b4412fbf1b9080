// Collects artifacts on both sides and compares them pair by pair, by relative
// path: files by streaming SHA-256, symlinks by their target string (never followed).
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import type { ArtifactResult } from '../reports/model.js';
import { sha256File } from './hash.js';

type Entry = Readonly<{ kind: 'file'; size: number } | { kind: 'symlink'; target: string }>;

// lstat is cheap and I/O-bound: a fixed, generous bound is enough.
const STAT_CONCURRENCY = 16;

// Note: fast-glob's `**` never matches a name holding a newline (its regexes use
// `.`), so such a file would silently go uncompared. They are found by walking the
// tree and matched with the newline swapped for a character `.` does match.
async function namesWithLineBreaks(dir: string, patterns: readonly string[]): Promise<string[]> {
  const all = (await readdir(dir, { recursive: true })).filter((p) => /[\n\r]/.test(p));
  if (all.length === 0) return [];
  const matchers = patterns.map((p) => picomatch(p, { dot: true }));
  return all.filter((rel) => matchers.some((m) => m(rel.replace(/[\n\r]/g, '\u0001'))));
}

export async function collectArtifacts(dir: string, patterns: readonly string[]): Promise<Map<string, Entry>> {
  const globbed = await fg([...patterns], { cwd: dir, dot: true, onlyFiles: false, followSymbolicLinks: false, unique: true });
  const paths = [...new Set([...globbed, ...(await namesWithLineBreaks(dir, patterns))])];
  const limit = pLimit(STAT_CONCURRENCY);
  const entries = await Promise.all(
    paths.map((rel) =>
      limit(async (): Promise<[string, Entry] | undefined> => {
        const info = await lstat(join(dir, rel));
        if (info.isSymbolicLink()) return [rel, { kind: 'symlink', target: await readlink(join(dir, rel)) }];
        if (info.isFile()) return [rel, { kind: 'file', size: info.size }];
        return undefined; // directories, fifos, sockets are not artifacts
      }),
    ),
  );
  return new Map(entries.filter((e): e is [string, Entry] => e !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One side's artifact: a file by size and SHA-256, a symlink by its target. */
export type HashedArtifact = Readonly<{ kind: 'file' | 'symlink'; size: number | null; sha256: string | null; target: string | null }>;

export type HashedTree = ReadonlyMap<string, HashedArtifact>;

/** Every artifact under `dir` matching `patterns`, hashed with at most max(8, jobs) files at once. */
export async function hashArtifacts(dir: string, patterns: readonly string[], jobs: number): Promise<HashedTree> {
  const entries = await collectArtifacts(dir, patterns);
  const limit = pLimit(Math.max(8, jobs));
  const hashed = await Promise.all(
    [...entries].map(([rel, entry]) =>
      limit(async (): Promise<[string, HashedArtifact]> =>
        entry.kind === 'symlink'
          ? [rel, { kind: 'symlink', size: null, sha256: null, target: entry.target }]
          : [rel, { kind: 'file', size: entry.size, sha256: await sha256File(join(dir, rel), entry.size), target: null }],
      ),
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
        : c.kind === e.kind && c.sha256 === e.sha256 && c.target === e.target
          ? 'identical'
          : 'differs';
    return {
      path,
      kind: (c ?? e)?.kind === 'symlink' ? 'symlink' : 'file',
      status,
      size: { control: cd.size, experiment: ed.size },
      sha256: { control: cd.sha256, experiment: ed.sha256 },
      ...(cd.target !== null || ed.target !== null ? { linkTarget: { control: cd.target, experiment: ed.target } } : {}),
    };
  });
}

export type Comparison = Readonly<{ artifacts: ArtifactResult[]; control: HashedTree; experiment: HashedTree }>;

export async function compareArtifacts(
  dirs: Readonly<{ control: string; experiment: string }>,
  patterns: readonly string[],
  /** Files hashed at once per side (--jobs; at least 8, as small files are I/O-bound). */
  jobs: number,
): Promise<Comparison> {
  const [control, experiment] = await Promise.all([hashArtifacts(dirs.control, patterns, jobs), hashArtifacts(dirs.experiment, patterns, jobs)]);
  return { artifacts: pairArtifacts(control, experiment), control, experiment };
}
