// Presets: how to build and what to compare for common kinds of package, so
// `twinbuild check DIR` works without --build/--artifacts. `auto` picks by what
// the tree holds and refuses to guess when it holds two kinds or none.
// `rpm`: a directory holding one .spec (its sources beside it) or a .src.rpm.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { usageError } from '../core/errors.js';

export const PRESETS = ['auto', 'generic', 'debian', 'npm', 'rpm'] as const;
export type PresetName = (typeof PRESETS)[number];

export type ResolvedPreset = Readonly<{
  preset: Exclude<PresetName, 'auto'>;
  build: string;
  /** Globs relative to the side's directory (the parent of the source for debian). */
  artifacts: readonly string[];
  /** The source goes one level down, in this directory, so `../*.deb` stays in twinbuild's copy. */
  subdir: string | null;
  /** A source package file, not a directory: a Debian .dsc (extracted with dpkg-source) or a .src.rpm (copied). */
  dsc: boolean;
  env: Readonly<Record<string, string>>;
}>;

const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

export const isSourceRpm = (source: string) => source.endsWith('.src.rpm');

/** A source package file rather than a directory: a Debian .dsc or a .src.rpm. */
export const isSourcePackageFile = (source: string) => source.endsWith('.dsc') || isSourceRpm(source);

/** The package name for a source dir, `.dsc` or `.src.rpm` file (hello_2.10-3.dsc, hello-2.10-1.src.rpm → hello). */
export function packageNameOf(source: string): string {
  const name = basename(source);
  if (isSourceRpm(source)) return name.replace(/\.src\.rpm$/, '').replace(/-[^-]*-[^-]*$/, '') || 'root';
  return source.endsWith('.dsc') ? name.replace(/_.*$/, '').replace(/\.dsc$/, '') : name || 'root';
}

const specsIn = async (dir: string) =>
  (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.spec')).sort();

const describeKind = { debian: 'a debian/ tree', npm: 'a package.json', rpm: 'a .spec file' } as const;

async function detect(source: string): Promise<Exclude<PresetName, 'auto' | 'generic'>> {
  if (source.endsWith('.dsc')) return 'debian';
  if (isSourceRpm(source)) return 'rpm';
  const names = await readdir(source).catch(() => [] as string[]);
  const found: Exclude<PresetName, 'auto' | 'generic'>[] = [];
  if (await isFile(join(source, 'debian', 'control'))) found.push('debian');
  if (names.includes('package.json')) found.push('npm');
  if (names.some((n) => n.endsWith('.spec'))) found.push('rpm');
  if (found.length === 1) return found[0]!;
  const how = 'pass --preset debian|npm|rpm, or --build CMD --artifacts GLOB';
  if (found.length === 0)
    throw usageError(
      `cannot tell how to build ${source}: no debian/control, package.json, .spec, .dsc or .src.rpm; ${how}`,
    );
  const kinds = found.map((k) => describeKind[k]);
  throw usageError(`${source} holds both ${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}; ${how}`);
}

// The macros a distribution such as Fedora sets for reproducible RPMs: BUILDTIME
// and file mtimes from the %changelog date, and a fixed BUILDHOST. Never set
// unless asked for (--rpm-reproducible-macros), so a stock spec is judged as it is.
// build_mtime_policy is rpm >= 4.20's name for the mtime clamp; 4.18 ignores it.
export const RPM_REPRODUCIBLE_MACROS: Readonly<Record<string, string>> = Object.freeze({
  source_date_epoch_from_changelog: '1',
  use_source_date_epoch_as_buildtime: '1',
  clamp_mtime_to_source_date_epoch: '1',
  build_mtime_policy: 'clamp_to_source_date_epoch',
  _buildhost: 'reproducible',
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// Note: _topdir is the side's directory, which every build sees at the one build
// path (the path is in the ELF debug info and build-ids); --nodeps because
// Debian's RPM database is empty, so any BuildRequires would fail.
// A .src.rpm is unpacked with rpm2archive and its spec built with -bb, not with
// `rpmbuild --rebuild`: rpm installs a source RPM by opening every ancestor
// directory of SOURCES/ for reading, which the unprivileged experiment build
// (user_group) cannot do in twinbuild's traversable-only (0711) temp root. The
// one thing --rebuild adds, a COOKIE header copied from the source RPM, is then
// absent on both sides alike.
// --target is the machine's own architecture: rpm otherwise takes it from uname,
// which the kernel variation sets to i686, and would build another architecture
// (i386 OPTFLAGS, which x86_64 gcc refuses). What the package itself reads from
// uname is still varied.
async function rpmBuildCommand(source: string, subdir: string, macros: boolean, machine: string): Promise<string> {
  const defines = [
    `--target ${quote(machine)}`,
    '--define "_topdir $PWD"',
    ...(macros ? Object.entries(RPM_REPRODUCIBLE_MACROS).map(([k, v]) => `--define ${quote(`${k} ${v}`)}`) : []),
  ];
  if (isSourceRpm(source)) {
    const unpack = `mkdir -p SOURCES && rpm2archive - < ${quote(`${subdir}/${basename(source)}`)} | tar -xzf - -C SOURCES`;
    return `${unpack} && ${['rpmbuild -bb --nodeps', ...defines, '--define "_sourcedir $PWD/SOURCES"', 'SOURCES/*.spec'].join(' ')}`;
  }
  const specs = await specsIn(source);
  if (specs.length === 0)
    throw usageError(`the rpm preset needs a .spec file in ${source} (or a .src.rpm as the source)`);
  if (specs.length > 1)
    throw usageError(
      `${source} holds ${specs.length} .spec files (${specs.join(', ')}); the rpm ` +
        `preset builds one: keep one per directory, or pass --build`,
    );
  return [
    'rpmbuild -bb --nodeps',
    ...defines,
    `--define "_sourcedir $PWD/"${quote(subdir)}`,
    quote(`${subdir}/${specs[0]}`),
  ].join(' ');
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
    `cache=$(mktemp -d) && npm pack${ignoreScripts ? ' --ignore-scripts' : ''} ` +
      `--cache "$cache" --logs-dir "$cache" --loglevel=warn; status=$?`,
    `if [ "$status" -ne 0 ]; then for log in "$cache"/*debug*.log; do [ -f "$log" ] ` +
      `&& { echo "twinbuild: npm's debug log (the temp dir named above is removed ` +
      `after the build):"; cat "$log"; }; done >&2; fi`,
    'rm -rf "$cache"; exit $status',
  ].join('; ');
}

// Note: a reproducibility check compares what the build ships, not what its tests
// print; a test suite can fail on the faked clock (Debian's pv 1.6.20: numeric-timer)
// and leave no verdict at all. nocheck skips it (Debian policy: the packages are the same).
function withNocheck(passed: string | null, skip: boolean): string | null {
  const options = (passed ?? '').split(/\s+/).filter(Boolean);
  if (!skip || options.includes('nocheck')) return passed;
  return [...options, 'nocheck'].join(' ');
}

/** What a preset may take from the caller's environment (read by the CLI, never here). */
export type PresetEnvironment = Readonly<{
  debBuildOptions: string | null;
  /** debian: add nocheck to DEB_BUILD_OPTIONS (check and sweep, unless --with-tests; never verify). */
  skipTests: boolean;
  /** This machine's architecture as uname reports it unvaried (os.machine()): the rpm preset's --target. */
  machine: string;
}>;

/** Build command, artifacts and source layout for a preset; explicit --build/--artifacts always win. */
export async function resolvePreset(
  source: string,
  requested: PresetName,
  given: { build?: string; artifacts?: readonly string[]; ignoreScripts?: boolean; rpmReproducibleMacros?: boolean },
  environment: PresetEnvironment,
): Promise<ResolvedPreset> {
  const preset =
    requested === 'auto' ? (given.build || given.artifacts?.length ? 'generic' : await detect(source)) : requested;
  if (given.ignoreScripts && (preset !== 'npm' || given.build))
    throw usageError(
      "--ignore-scripts applies to the npm preset's own build only (with --build, pass npm's --ignore-scripts in CMD)",
    );
  if (given.rpmReproducibleMacros && preset !== 'rpm')
    throw usageError(
      `--rpm-reproducible-macros (rpmReproducibleMacros) is for the rpm preset; ${source} builds with the ${preset} preset`,
    );
  if (isSourceRpm(source) && preset !== 'rpm' && preset !== 'generic')
    throw usageError(`${source} is a source RPM: the ${preset} preset cannot build it; use --preset rpm`);
  const override = (r: ResolvedPreset): ResolvedPreset => ({
    ...r,
    build: given.build ?? r.build,
    artifacts: given.artifacts?.length ? given.artifacts : r.artifacts,
  });
  switch (preset) {
    case 'generic':
      if (!given.build)
        throw usageError('check needs --build CMD (the command that builds the package), or a --preset');
      if (!given.artifacts?.length)
        throw usageError(
          "check needs --artifacts GLOB (what the build produces, e.g. --artifacts 'dist/**'), or a --preset",
        );
      return { preset, build: given.build, artifacts: given.artifacts, subdir: null, dsc: false, env: {} };
    case 'debian': {
      const subdir = packageNameOf(source);
      const passed = withNocheck(environment.debBuildOptions, environment.skipTests);
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
      return override({
        preset,
        build: npmPackCommand(given.ignoreScripts ?? false),
        artifacts: ['*.tgz'],
        subdir: null,
        dsc: false,
        env: NPM_ENV,
      });
    case 'rpm': {
      const subdir = packageNameOf(source);
      return override({
        preset,
        build: await rpmBuildCommand(source, subdir, given.rpmReproducibleMacros ?? false, environment.machine),
        artifacts: ['RPMS/*/*.rpm'],
        subdir,
        dsc: isSourceRpm(source),
        env: {},
      });
    }
  }
}
