// Presets: how to build and what to compare for common kinds of package, so
// `twinbuild check DIR` works without --build/--artifacts. `auto` picks by what
// the tree holds and refuses to guess when it holds two kinds or none.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { usageError } from '../core/errors.js';

export const PRESETS = ['auto', 'generic', 'debian', 'npm'] as const;
export type PresetName = (typeof PRESETS)[number];

export type ResolvedPreset = Readonly<{
  preset: Exclude<PresetName, 'auto'>;
  build: string;
  /** Globs relative to the side's directory (the parent of the source for debian). */
  artifacts: readonly string[];
  /** The source goes one level down, in this directory, so `../*.deb` stays in twinbuild's copy. */
  subdir: string | null;
  /** A Debian source package file, extracted with dpkg-source instead of copied. */
  dsc: boolean;
  env: Readonly<Record<string, string>>;
}>;

const isFile = (path: string) => stat(path).then((s) => s.isFile(), () => false);

/** The package name for a source dir or `.dsc` file (hello_2.10-3.dsc → hello). */
export function packageNameOf(source: string): string {
  const name = basename(source);
  return source.endsWith('.dsc') ? name.replace(/_.*$/, '').replace(/\.dsc$/, '') : name || 'root';
}

async function detect(source: string): Promise<Exclude<PresetName, 'auto' | 'generic'>> {
  if (source.endsWith('.dsc')) return 'debian';
  const names = await readdir(source).catch(() => [] as string[]);
  const found: Exclude<PresetName, 'auto' | 'generic'>[] = [];
  if (await isFile(join(source, 'debian', 'control'))) found.push('debian');
  if (names.includes('package.json')) found.push('npm');
  if (found.length === 1) return found[0]!;
  const how = 'pass --preset debian|npm, or --build CMD --artifacts GLOB';
  if (found.length === 0) throw usageError(`cannot tell how to build ${source}: no debian/control, package.json or .dsc; ${how}`);
  throw usageError(`${source} holds both a debian/ tree and a package.json; ${how}`);
}

// Note: the update notifier asks the registry for npm's latest version: a network
// call in the middle of a build, with an answer that changes over time.
const NPM_ENV: Readonly<Record<string, string>> = Object.freeze({ npm_config_update_notifier: 'false' });

// npm's cache and logs go to a temp dir (HOME may be varied to a path that does
// not exist), removed after the build; on a failure npm's debug log is copied
// into the build's output first, so the kept build log holds it instead of a
// pointer to a file that is gone.
export function npmPackCommand(ignoreScripts: boolean): string {
  return [
    `cache=$(mktemp -d) && npm pack${ignoreScripts ? ' --ignore-scripts' : ''} --cache "$cache" --logs-dir "$cache" --loglevel=warn; status=$?`,
    `if [ "$status" -ne 0 ]; then for log in "$cache"/*debug*.log; do [ -f "$log" ] && { echo "twinbuild: npm's debug log (the temp dir named above is removed after the build):"; cat "$log"; }; done >&2; fi`,
    'rm -rf "$cache"; exit $status',
  ].join('; ');
}

/** Build command, artifacts and source layout for a preset; explicit --build/--artifacts always win. */
/** What a preset may take from the caller's environment (read by the CLI, never here). */
export type PresetEnvironment = Readonly<{ debBuildOptions: string | null }>;

export async function resolvePreset(
  source: string, requested: PresetName, given: { build?: string; artifacts?: readonly string[]; ignoreScripts?: boolean }, environment: PresetEnvironment,
): Promise<ResolvedPreset> {
  const preset = requested === 'auto' ? (given.build || given.artifacts?.length ? 'generic' : await detect(source)) : requested;
  if (given.ignoreScripts && (preset !== 'npm' || given.build)) throw usageError('--ignore-scripts applies to the npm preset\'s own build only (with --build, pass npm\'s --ignore-scripts in CMD)');
  const override = (r: ResolvedPreset): ResolvedPreset => ({ ...r, build: given.build ?? r.build, artifacts: given.artifacts?.length ? given.artifacts : r.artifacts });
  switch (preset) {
    case 'generic':
      if (!given.build) throw usageError('check needs --build CMD (the command that builds the package), or a --preset');
      if (!given.artifacts?.length) throw usageError("check needs --artifacts GLOB (what the build produces, e.g. --artifacts 'dist/**'), or a --preset");
      return { preset, build: given.build, artifacts: given.artifacts, subdir: null, dsc: false, env: {} };
    case 'debian': {
      const subdir = packageNameOf(source);
      const passed = environment.debBuildOptions;
      return override({
        preset,
        build: `cd '${subdir.replace(/'/g, `'\\''`)}' && dpkg-buildpackage -b --no-sign`,
        artifacts: ['*.deb', '*.udeb'],
        subdir,
        dsc: source.endsWith('.dsc'),
        env: passed ? { DEB_BUILD_OPTIONS: passed } : {},
      });
    }
    case 'npm':
      return override({ preset, build: npmPackCommand(given.ignoreScripts ?? false), artifacts: ['*.tgz'], subdir: null, dsc: false, env: NPM_ENV });
  }
}
