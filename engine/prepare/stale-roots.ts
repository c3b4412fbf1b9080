// Temp roots left by a twinbuild that died without cleaning up (SIGKILL, OOM,
// power loss): found by their owner marker, and removed only when that owner
// is certainly dead. A root in use, kept with --keep, without a readable marker
// (but see halfMade) or made by another user, host or pid namespace is never touched.
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ProcessRunner } from '../../adapters/process.js';
import { OWNER_FILE, currentOwner, processStart, readOwner, type Owner } from './owner.js';
import { disposeWorkspace } from './workspace.js';

export type RootState = Readonly<{
  root: string;
  /** stale: its owner is dead, safe to remove; every other state is left alone. */
  state: 'stale' | 'in-use' | 'kept' | 'unknown' | 'foreign';
  /** Why, in a few words (shown by doctor and clean). */
  reason: string;
  owner?: Owner;
}>;

async function judge(root: string, me: Owner, uid: number | undefined): Promise<RootState> {
  const info = await lstat(root).catch(() => undefined);
  if (!info?.isDirectory()) return { root, state: 'unknown', reason: 'not a directory' };
  if (uid !== undefined && info.uid !== uid) return { root, state: 'foreign', reason: `owned by uid ${info.uid}` };
  const owner = await readOwner(root);
  if (!owner) return halfMade(root);
  if (owner.host !== me.host) return { root, state: 'foreign', owner, reason: `made on host ${owner.host}` };
  if (owner.kept) return { root, state: 'kept', owner, reason: 'kept with --keep' };
  if (owner.boot !== me.boot)
    return { root, state: 'stale', owner, reason: `twinbuild pid ${owner.pid} ran before a reboot` };
  if (owner.pidns !== me.pidns)
    return { root, state: 'foreign', owner, reason: `made in another pid namespace (${owner.pidns})` };
  const start = await processStart(owner.pid);
  if (start === owner.start) return { root, state: 'in-use', owner, reason: `twinbuild pid ${owner.pid} is running` };
  return { root, state: 'stale', owner, reason: `twinbuild pid ${owner.pid} is gone` };
}

/**
 * A root without a readable marker is ours to remove only when it is certainly one a
 * SIGKILL cut short between mkdtemp and the marker: named with a pid that no longer runs,
 * and holding nothing but (part of) the marker. Anything else in it is never touched.
 */
async function halfMade(root: string): Promise<RootState> {
  const unknown: RootState = { root, state: 'unknown', reason: 'no readable owner marker' };
  const pid = Number(/^twinbuild-(\d+)-[^-]+$/.exec(basename(root))?.[1] ?? 0);
  if (!pid) return unknown;
  const names = await readdir(root).catch(() => undefined);
  if (!names || names.some((n) => n !== OWNER_FILE)) return unknown;
  if ((await processStart(pid)) !== undefined) return unknown; // that pid runs (maybe reused): leave it
  return { root, state: 'stale', reason: `twinbuild pid ${pid} died before marking it` };
}

// Only names, one lstat and two small reads per root: fast enough for every check.
export async function surveyTempRoots(tempDir: string): Promise<RootState[]> {
  const names = (await readdir(tempDir).catch(() => [] as string[])).filter((n) => n.startsWith('twinbuild-')).sort();
  const me = await currentOwner();
  const uid = process.getuid?.() === 0 ? undefined : process.getuid?.();
  return Promise.all(names.map((name) => judge(join(tempDir, name), me, uid)));
}

export type Reaped = Readonly<{ removed: RootState[]; failed: ReadonlyArray<RootState & { error: string }> }>;

/** Removes every stale root under `tempDir` (lazy-unmounting what is still mounted below it first). */
export async function reapStaleRoots(tempDir: string, runner: ProcessRunner): Promise<Reaped> {
  const stale = (await surveyTempRoots(tempDir)).filter((r) => r.state === 'stale');
  const removed: RootState[] = [];
  const failed: Array<RootState & { error: string }> = [];
  for (const root of stale) {
    try {
      await disposeWorkspace(root, runner);
      removed.push(root);
    } catch (error) {
      failed.push({ ...root, error: (error as Error).message });
    }
  }
  return { removed, failed };
}

// Keyed by runner, as the namespace probe is: one run (one runner) reaps each temp dir once.
const reapedOnce = new WeakMap<ProcessRunner, Map<string, Promise<Reaped>>>();

/** `reapStaleRoots` once per temp dir for this run (a sweep starts hundreds of packages). */
export function reapStaleRootsOnce(tempDir: string, runner: ProcessRunner): Promise<Reaped> {
  const byDir = reapedOnce.get(runner) ?? new Map<string, Promise<Reaped>>();
  reapedOnce.set(runner, byDir);
  let reaped = byDir.get(tempDir);
  if (!reaped) {
    reaped = reapStaleRoots(tempDir, runner);
    byDir.set(tempDir, reaped);
  }
  return reaped;
}

/** Bytes below `dir` (apparent sizes, links not followed); what doctor shows for a stale root. */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => undefined);
    if (!info) return;
    total += info.size;
    if (!info.isDirectory()) return;
    const names = await readdir(path).catch(() => [] as string[]);
    for (const name of names) await walk(join(path, name));
  };
  await walk(dir);
  return total;
}
