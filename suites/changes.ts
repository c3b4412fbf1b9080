// --changed-since REV: the packages with files changed since a git revision
// (committed, staged, unstaged or untracked), plus those whose config entry changed.
import { isAbsolute, relative } from 'node:path';
import { TwinbuildError } from '../core/errors.js';
import { git } from '../adapters/git.js';
import type { ProcessRunner } from '../adapters/process.js';
import type { Config } from './config.js';
import { discoverPackages, type SweepPackage } from './discovery.js';

async function gitOutput(runner: ProcessRunner, root: string, args: string[]): Promise<string> {
  const outcome = await git(runner, root, args);
  if (outcome.exitCode !== 0)
    throw new TwinbuildError(
      'config',
      `--changed-since: git ${args.join(' ')} failed: ${outcome.stderr.trim().split('\n')[0] ?? ''}`,
    );
  return outcome.stdout;
}

export async function changedPackages(
  runner: ProcessRunner,
  root: string,
  rev: string,
  packages: readonly SweepPackage[],
  config: Readonly<{ file: string; current: Config | null; outDir: string }>,
): Promise<SweepPackage[]> {
  await gitOutput(runner, root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).catch(() => {
    throw new TwinbuildError('config', `--changed-since: "${rev}" is not a git revision in ${root}`);
  });
  const lines = (text: string) => text.split('\n').filter(Boolean);
  const changed = [
    ...lines(await gitOutput(runner, root, ['diff', '--name-only', '--relative', rev, '--'])),
    ...lines(await gitOutput(runner, root, ['ls-files', '--others', '--exclude-standard'])),
  ];
  const touched = (pkg: SweepPackage) => {
    const dir = relative(root, pkg.source);
    return changed.some((file) => dir === '' || file === dir || (file.startsWith(dir + '/') && !isAbsolute(dir)));
  };
  const recipeChanged = await configEntriesChanged(runner, root, rev, packages, config);
  return packages.filter((pkg) => touched(pkg) || recipeChanged.has(pkg.name));
}

// Names whose recipe differs under the config as it was at REV (or that it did not list).
async function configEntriesChanged(
  runner: ProcessRunner,
  root: string,
  rev: string,
  packages: readonly SweepPackage[],
  config: Readonly<{ file: string; current: Config | null; outDir: string }>,
): Promise<Set<string>> {
  if (!config.current) return new Set();
  const rel = relative(root, config.file);
  const before = await git(runner, root, ['show', `${rev}:./${rel}`]);
  let old: Config | null;
  try {
    old = before.exitCode === 0 ? (JSON.parse(before.stdout) as Config) : null;
  } catch {
    old = null;
  }
  if (old === null) return new Set(packages.map((p) => p.name));
  const oldPackages = await discoverPackages(root, old, `${rel} at ${rev}`, config.outDir).then(
    (found) => found.packages,
    () => [] as SweepPackage[],
  );
  const oldRecipes = new Map(oldPackages.map((p) => [p.name, JSON.stringify(p.recipe)]));
  return new Set(packages.filter((p) => oldRecipes.get(p.name) !== JSON.stringify(p.recipe)).map((p) => p.name));
}
