// Which packages a sweep checks: the config's entries (paths and globs), or,
// without a config, every directory holding a preset marker (debian/control,
// package.json, a .spec) and every .src.rpm. A symlinked directory is never
// followed (suites/walk.ts): each one passed is named in `symlinkedDirs`.
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { TwinbuildError } from '../core/errors.js';
import type { Config, Recipe } from './config.js';
import { firstSymlink, walkTree } from './walk.js';

/** One package of a sweep, with its recipe merged over the config's defaults. */
export type SweepPackage = Readonly<{ name: string; source: string; recipe: Recipe }>;

/** The packages found, and the symlinked directories below ROOT that were not followed (relative to ROOT, sorted). */
export type Discovery = Readonly<{ packages: SweepPackage[]; symlinkedDirs: string[] }>;

const IGNORED = new Set(['node_modules', '.git']);

// node_modules, .git and the output directory are never looked into (nor are
// directories named like a hidden file, unless the glob names one: as fast-glob did).
function scopeFilter(root: string, outDir: string, dotAllowed: boolean) {
  const rel = relative(root, outDir).split(sep).join('/');
  const out = rel === '' || rel.startsWith('../') || isAbsolute(rel) ? null : rel;
  const excluded = (path: string) =>
    path.split('/').some((part) => IGNORED.has(part)) || (out !== null && (path === out || path.startsWith(`${out}/`)));
  const enterable = (path: string) => !excluded(path) && (dotAllowed || !basename(path).startsWith('.'));
  return { excluded, enterable };
}

// Directories matching one config glob: the walk starts at its fixed prefix and
// goes no deeper than it can match.
async function globDirs(root: string, glob: string, outDir: string) {
  const pattern = glob.replace(/^(\.\/)+/, '');
  const scan = picomatch.scan(pattern);
  const start = scan.isGlob ? scan.base : dirname(scan.base) === '.' ? '' : dirname(scan.base);
  const depth = /\*\*|\{/.test(pattern) ? Infinity : pattern.split('/').length;
  const { excluded, enterable } = scopeFilter(
    root,
    outDir,
    pattern.split('/').some((p) => p.startsWith('.')),
  );
  const matches = picomatch(pattern);
  const wanted = (dir: string) => matches(dir) && !excluded(dir);
  const walked = await walkTree(root, {
    start,
    enter: (dir) => enterable(dir) && dir.split('/').length < depth,
    wanted,
  });
  return { dirs: walked.dirs.filter(wanted), symlinkedDirs: walked.symlinkedDirs };
}

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** A stable name from the package's path below the root: `pkgs/hello` → `pkgs-hello`. */
export function nameFor(root: string, dir: string): string {
  const rel = relative(root, dir);
  return rel === ''
    ? basename(root)
    : rel
        .split(sep)
        .join('-')
        .replace(/\.dsc$|\.src\.rpm$/, '');
}

async function fromConfig(root: string, config: Config, file: string, outDir: string): Promise<Discovery> {
  const found: SweepPackage[] = [];
  const symlinkedDirs: string[] = [];
  for (const [i, entry] of (config.packages ?? []).entries()) {
    const { name, path, glob, ...own } = entry;
    // Note: a package that names a preset builds the preset's way, not with the defaults' build command.
    const { build: _build, artifacts: _artifacts, ...sharedDefaults } = config.defaults ?? {};
    const usesPreset = own.preset !== undefined && own.preset !== 'generic';
    const recipe: Recipe = { ...(usesPreset ? sharedDefaults : config.defaults), ...own };
    if (path !== undefined) {
      const source = resolve(root, path);
      if (!inside(source, root))
        throw new TwinbuildError('config', `${file}: packages[${i}].path: "${path}" is outside ${root}`);
      const link = await firstSymlink(root, relative(root, source).split(sep).join('/'));
      if (link !== null)
        throw new TwinbuildError(
          'config',
          `${file}: packages[${i}].path: "${path}" goes through the symlink ${link}; ` +
            'a sweep never follows one: name the directory it points to (inside the root)',
        );
      if (!(await stat(source).catch(() => null)))
        throw new TwinbuildError('config', `${file}: packages[${i}].path: ${source} does not exist`);
      found.push({ name: name ?? nameFor(root, source), source, recipe });
      continue;
    }
    if (isAbsolute(glob!) || glob!.split('/').includes('..'))
      throw new TwinbuildError('glob-escapes-tree', `${file}: packages[${i}].glob: "${glob}" escapes ${root}`);
    const matched = await globDirs(root, glob!, outDir);
    symlinkedDirs.push(...matched.symlinkedDirs);
    if (matched.dirs.length === 0)
      throw new TwinbuildError(
        'config',
        `${file}: packages[${i}].glob: "${glob}" matches no directory` +
          (matched.symlinkedDirs.length > 0
            ? ` (symlinked directories are not followed: ${matched.symlinkedDirs.join(', ')})`
            : ''),
      );
    for (const dir of matched.dirs.sort())
      found.push({ name: nameFor(root, join(root, dir)), source: join(root, dir), recipe });
  }
  return { packages: found, symlinkedDirs: [...new Set(symlinkedDirs)].sort() };
}

// A debian/ tree wins over the others in its directory (a packaged node module
// ships a package.json), and a .spec over a package.json; a .src.rpm is a package of its own.
const MARKER_RANK = { debian: 3, rpm: 2, npm: 1 } as const;

function markerKind(marker: string): { kind: keyof typeof MARKER_RANK; dir: string } | { kind: 'srpm' } {
  if (marker.endsWith('.src.rpm')) return { kind: 'srpm' };
  if (marker.endsWith('debian/control')) return { kind: 'debian', dir: dirname(dirname(marker)) };
  return { kind: marker.endsWith('.spec') ? 'rpm' : 'npm', dir: dirname(marker) };
}

const MARKERS = picomatch(['**/debian/control', '**/package.json', '**/*.spec', '**/*.src.rpm']);

async function fromMarkers(root: string, outDir: string): Promise<Discovery> {
  const { enterable } = scopeFilter(root, outDir, false);
  const walked = await walkTree(root, { start: '', enter: enterable, wanted: () => false });
  const markers = walked.files.filter((f) => MARKERS(f));
  const bySource = new Map<string, keyof typeof MARKER_RANK>();
  for (const marker of markers.sort()) {
    const found = markerKind(marker);
    if (found.kind === 'srpm') {
      bySource.set(join(root, marker), 'rpm');
      continue;
    }
    const dir = join(root, found.dir);
    const earlier = bySource.get(dir);
    if (!earlier || MARKER_RANK[found.kind] > MARKER_RANK[earlier]) bySource.set(dir, found.kind);
  }
  const packages = [...bySource]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([source, preset]) => ({ name: nameFor(root, source), source, recipe: { preset } }));
  return { packages, symlinkedDirs: walked.symlinkedDirs.sort() };
}

/** Packages under `root`; names must be unique (they name report sections and directories). */
export async function discoverPackages(
  root: string,
  config: Config | null,
  configFile: string,
  outDir: string,
): Promise<Discovery> {
  const found = config?.packages ? await fromConfig(root, config, configFile, outDir) : await fromMarkers(root, outDir);
  const seen = new Map<string, string>();
  for (const pkg of found.packages) {
    const earlier = seen.get(pkg.name);
    if (earlier !== undefined)
      throw new TwinbuildError(
        'config',
        `two packages are named "${pkg.name}" (${earlier} and ${pkg.source}); give one a "name" in ${configFile}`,
      );
    seen.set(pkg.name, pkg.source);
  }
  return found;
}

const LISTED_LINKS = 10;

/** e.g. "not followed (symlinked directories below ROOT are never searched): rootlink, loop". */
export function notFollowed(dirs: readonly string[]): string {
  const shown = dirs.slice(0, LISTED_LINKS).join(', ');
  const more = dirs.length > LISTED_LINKS ? ` and ${dirs.length - LISTED_LINKS} more` : '';
  return `not followed (symlinked directories below ROOT are never searched for packages): ${shown}${more}`;
}
