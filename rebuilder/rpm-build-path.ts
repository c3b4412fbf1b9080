// Where the official RPM build ran (rpm's %_topdir), so that the rebuild runs there
// too: the path is in the ELF debug info, and with it in every build-id and
// /usr/lib/.build-id link. Taken from the packages' own debug info (an unstripped
// ELF file names its build directory), else from the buildinfo's Build-Path; when
// neither says, the rebuild runs at mock's %_topdir, the same on every twinbuild
// rebuilder, so two rebuilders agree with each other even then.
import { rpmCompDirs } from '../adapters/rpm.js';
import type { ProcessRunner } from '../adapters/process.js';
import { buildPathRefusal } from '../engine/build/build.js';
import type { Published } from '../engine/compare/published.js';
import type { PackageOptions } from '../engine/options.js';
import { createTempRoot, disposeWorkspace } from '../engine/prepare/workspace.js';
import { chooseIsolation } from '../engine/run-package.js';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';

/** mock's %_topdir (Fedora, Koji, rpmreproduce): where a build that records no path is rebuilt. */
export const MOCK_TOPDIR = '/builddir/build';

export type RpmBuildPath = Readonly<{
  /** The path the rebuild runs at (its %_topdir); null: twinbuild's own (no namespaces). */
  path: string | null;
  /** Where it came from, for verify.pinned; null when it is only the default. */
  pinned: Readonly<Record<string, string>>;
  notes: readonly string[];
}>;

/** %_topdir of a build directory: the part before its last BUILD component (rpm 4.20's _builddir is below it too). */
export const topdirOf = (dir: string): string | null => /^(\/.*)\/BUILD(?:\/|$)/.exec(dir)?.[1] ?? null;

async function topdirsInDebugInfo(runner: ProcessRunner, published: Published, tempDir: string): Promise<string[]> {
  const root = await createTempRoot(tempDir);
  try {
    const found = new Set<string>();
    for (const [i, { file }] of [...published.values()].entries()) {
      const scratch = join(root, `rpm-${i}`);
      await mkdir(scratch);
      for (const dir of await rpmCompDirs(runner, file, scratch)) {
        const topdir = topdirOf(dir);
        if (topdir) found.add(topdir);
      }
    }
    return [...found];
  } finally {
    await disposeWorkspace({ root }, runner);
  }
}

// Note: the path is untrusted input (a package's debug info, a buildinfo):
// buildPathRefusal lets only a plain path through that the sandbox can make.
export async function rpmBuildPath(
  runner: ProcessRunner,
  options: PackageOptions,
  published: Published,
  buildinfoPath: string | null,
): Promise<RpmBuildPath> {
  if ((await chooseIsolation(options, runner)) === 'sequential')
    return {
      path: null,
      pinned: {},
      notes: ["build path (%_topdir): not pinned: without namespaces the rebuild runs under twinbuild's temp root"],
    };
  const notes: string[] = [];
  const usable = (path: string, from: string): boolean => {
    const refused = buildPathRefusal(path, options.toolPath);
    if (refused) notes.push(`build path ${JSON.stringify(path)} from ${from} (not taken: ${refused})`);
    return !refused;
  };
  const inDebugInfo = await topdirsInDebugInfo(runner, published, options.tempDir);
  if (inDebugInfo.length > 1)
    notes.push(`build path: the published RPMs' debug info names several (${inDebugInfo.join(', ')}): none taken`);
  const fromBuildinfo = buildinfoPath ? (topdirOf(buildinfoPath) ?? buildinfoPath) : null;
  if (inDebugInfo.length === 1 && usable(inDebugInfo[0]!, 'the debug info')) {
    if (fromBuildinfo && fromBuildinfo !== inDebugInfo[0])
      notes.push(`Build-Path ${buildinfoPath} (not taken: the packages' debug info says ${inDebugInfo[0]})`);
    return { path: inDebugInfo[0]!, pinned: { '%_topdir': `${inDebugInfo[0]} (from the debug info)` }, notes };
  }
  if (fromBuildinfo && usable(fromBuildinfo, 'the buildinfo'))
    return { path: fromBuildinfo, pinned: { '%_topdir': `${fromBuildinfo} (from the buildinfo's Build-Path)` }, notes };
  const why =
    inDebugInfo.length === 0 && !buildinfoPath
      ? 'the packages record none (no ELF file kept its debug info) and no buildinfo gives one'
      : 'none taken';
  notes.push(`build path: ${why}: rebuilt at ${MOCK_TOPDIR} (mock's %_topdir), the same on every twinbuild rebuilder`);
  return { path: MOCK_TOPDIR, pinned: {}, notes };
}
