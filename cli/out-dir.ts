// The output directory is made before any work starts, as the last check of the
// command line: a path under a file, on a read-only mount or in /proc is bad input
// (exit 2, nothing built), not an internal error after the builds, and so is a
// directory of the user's holding a file twinbuild would replace. A run locks it
// for itself and clears what an earlier run left there, and only that.
import { constants, readFileSync, unlinkSync } from 'node:fs';
import { access, link, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { usageError } from '../core/errors.js';

/** Held while a run writes to its output directory. */
export type OutDirLock = Readonly<{ release: () => void }>;

export const LOCK_FILE = '.twinbuild.lock';
/** Says "twinbuild made this directory": only then does a run clear what an earlier one left. */
export const MARKER_FILE = '.twinbuild-out';
/** What twinbuild writes in an output directory, and all it ever removes there. */
const OWNED = [
  'results.json',
  'junit.xml',
  'index.html',
  'badge.svg',
  'diffoscope',
  'logs',
  'packages',
  'links',
  'artifacts',
];
// Temporaries of an interrupted write (reports/write.ts) and verify's in-toto link.
const isOwned = (name: string) =>
  OWNED.includes(name) ||
  OWNED.some((o) => name.startsWith(`${o}.`) && name.endsWith('.tmp')) ||
  /^[^.][^/]*\.link$/.test(name);

// Note: the out dir may not exist yet: its nearest existing parent is resolved
// and the rest appended, so a symlinked parent still compares by its target.
async function realPathOf(path: string): Promise<string> {
  const real = await realpath(path).catch(() => null);
  if (real !== null) return real;
  const parent = dirname(path);
  return parent === path ? path : join(await realPathOf(parent), basename(path));
}

const isWithin = (inner: string, outer: string) => {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !rel.startsWith('/'));
};

// Writing the reports into the source (or a tree holding it) would overwrite the
// user's own files and copy the reports into the builds, and a populated directory
// of the source as --out would vanish from the builds: refused before anything is written.
export async function assertOutDirApart(
  outDir: string,
  sources: readonly Readonly<{ path: string; label: string }>[],
): Promise<void> {
  const out = await realPathOf(outDir);
  for (const source of sources) {
    const real = await realPathOf(source.path);
    if (real === out)
      throw usageError(
        `--out ${outDir} is the ${source.label} itself; choose an output directory outside it or below it`,
      );
    if (isWithin(real, out))
      throw usageError(
        `${source.label} ${source.path} is inside --out ${outDir}; choose an output directory outside it or below it`,
      );
    if (isWithin(out, real) && (await holdsUsersFiles(outDir)))
      throw usageError(
        `--out ${outDir} is a directory of the ${source.label} holding files of its own, which would be left out ` +
          'of the builds; choose a new or empty directory, or one outside it',
      );
  }
}

// Note: an --out below the source is left out of its copies (the default
// `twinbuild-out` of `check .`); a populated one twinbuild did not make is part of the source.
const holdsUsersFiles = async (outDir: string) => {
  const entries = await entriesOf(outDir).catch((): string[] => []);
  return entries.length > 0 && !entries.includes(MARKER_FILE);
};

// `report merge` reads its inputs while it writes --out: an --out that is an input
// (or inside one) would be cleared or copied into itself, and an input under a name
// twinbuild writes in --out (OUT/logs/shard1) would be cleared before it is read.
export async function assertOutDirApartFromInputs(outDir: string, inputs: readonly string[]): Promise<void> {
  const out = await realPathOf(outDir);
  for (const input of inputs) {
    const real = await realPathOf(input);
    if (isWithin(out, real))
      throw usageError(
        `--out ${outDir} ${out === real ? 'is' : 'is inside'} the input ${input}; ` +
          'choose an output directory outside the inputs',
      );
    const [first] = relative(out, real).split('/');
    if (isWithin(real, out) && first !== undefined && OWNED.includes(first))
      throw usageError(
        `the input ${input} is inside --out ${outDir}, where twinbuild writes ${first}; ` +
          'choose an output directory outside the inputs',
      );
  }
}

/** Makes the output directory, locks it for this run and clears what an earlier run left in it. */
export async function prepareOutDir(outDir: string): Promise<OutDirLock> {
  let entries: string[];
  try {
    await makeDirs(outDir);
    await access(outDir, constants.W_OK);
    entries = await entriesOf(outDir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not writable';
    throw usageError(`cannot write the output directory ${outDir} (${reason}); choose another with --out`);
  }
  // Note: before the lock, so a refused directory is not even touched; a run writes
  // the marker before any report, so another run's reports are never taken for the user's.
  assertNotTheUsers(outDir, entries);
  const lock = await lockOutDir(outDir);
  try {
    await clearEarlierRun(outDir, await entriesOf(outDir));
  } catch (error) {
    lock.release();
    throw usageError(
      `cannot clear the earlier reports in ${outDir} ` +
        `(${(error as NodeJS.ErrnoException).code ?? String(error)}); choose another with --out`,
    );
  }
  return lock;
}

const entriesOf = async (outDir: string) => (await readdir(outDir)).filter((name) => !name.startsWith(LOCK_FILE));

// A directory twinbuild did not make (no marker) that already holds a name twinbuild
// writes (a GitLab Pages `public/` with its own index.html) is the user's: writing
// the reports would replace their files, so it is refused before anything is written.
function assertNotTheUsers(outDir: string, entries: readonly string[]): void {
  if (entries.includes(MARKER_FILE)) return;
  const theirs = entries.filter((name) => OWNED.includes(name)).sort();
  if (theirs.length === 0) return;
  throw usageError(
    `--out ${outDir} already holds ${theirs.join(', ')} that twinbuild did not write (no ${MARKER_FILE} marker): ` +
      'the reports would replace them; choose a new or empty directory with --out',
  );
}

// Note: the marker goes into a directory that holds nothing twinbuild writes (a new
// one, or a user's with other files only): from then on every report name in it is
// twinbuild's, and each run clears those, only those.
async function clearEarlierRun(outDir: string, entries: readonly string[]): Promise<void> {
  if (!entries.includes(MARKER_FILE)) {
    // A full disk is no mistake of the user's (exit 2): the check still runs, and writing
    // its reports then fails with one line naming the disk (exit 3).
    await writeFile(join(outDir, MARKER_FILE), 'made by twinbuild: each run clears its earlier reports here\n').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOSPC' && error.code !== 'EDQUOT') throw error;
      },
    );
    return;
  }
  await Promise.all(entries.filter(isOwned).map((name) => rm(join(outDir, name), { recursive: true, force: true })));
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

// Note: the pid is written to a file of this process's own, then linked into
// place: link() fails when the lock exists, so a reader never sees a half-written
// lock. A lock whose process is gone (a SIGKILL) is taken over.
async function lockOutDir(outDir: string): Promise<OutDirLock> {
  const lockFile = join(outDir, LOCK_FILE);
  const mine = `${lockFile}.${process.pid}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(mine, lockFile);
        const release = () => {
          process.off('exit', release);
          try {
            if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) unlinkSync(lockFile);
          } catch {
            // already gone
          }
        };
        process.once('exit', release);
        return { release };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw usageError(
            `cannot lock the output directory ${outDir} ` +
              `(${(error as NodeJS.ErrnoException).code ?? String(error)}); choose another with --out`,
          );
        const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
          throw usageError(
            `another twinbuild run is writing to ${outDir} (pid ${holder}); wait for it or choose another --out`,
          );
        }
        await rm(lockFile, { force: true });
      }
    }
    throw usageError(`another twinbuild run is writing to ${outDir}; wait for it or choose another --out`);
  } finally {
    await rm(mine, { force: true });
  }
}

// Note: not mkdir's `recursive`, which never returns for a path in /proc on Node 20;
// one level at a time, each failure is final.
async function makeDirs(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info?.isDirectory()) return;
  if (info) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  if (dirname(dir) !== dir) await makeDirs(dirname(dir));
  await mkdir(dir);
}
