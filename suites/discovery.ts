// Which packages a sweep checks: the config's entries (paths and globs), or,
// without a config, every directory holding a preset marker (debian/control,
// package.json, a .spec) and every .src.rpm.
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import { TwinbuildError } from '../core/errors.js';
import type { Config, Recipe } from './config.js';

/** One package of a sweep, with its recipe merged over the config's defaults. */
export type SweepPackage = Readonly<{ name: string; source: string; recipe: Recipe }>;

const IGNORED = ['**/node_modules/**', '**/.git/**'];

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

async function fromConfig(root: string, config: Config, file: string, outDir: string): Promise<SweepPackage[]> {
  const found: SweepPackage[] = [];
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
      if (!(await stat(source).catch(() => null)))
        throw new TwinbuildError('config', `${file}: packages[${i}].path: ${source} does not exist`);
      found.push({ name: name ?? nameFor(root, source), source, recipe });
      continue;
    }
    if (isAbsolute(glob!) || glob!.split('/').includes('..'))
      throw new TwinbuildError('glob-escapes-tree', `${file}: packages[${i}].glob: "${glob}" escapes ${root}`);
    const dirs = await fg(glob!, {
      cwd: root,
      onlyDirectories: true,
      ignore: [...IGNORED, `${relative(root, outDir)}/**`],
    });
    if (dirs.length === 0)
      throw new TwinbuildError('config', `${file}: packages[${i}].glob: "${glob}" matches no directory`);
    for (const dir of dirs.sort())
      found.push({ name: nameFor(root, join(root, dir)), source: join(root, dir), recipe });
  }
  return found;
}

// A debian/ tree wins over the others in its directory (a packaged node module
// ships a package.json), and a .spec over a package.json; a .src.rpm is a package of its own.
const MARKER_RANK = { debian: 3, rpm: 2, npm: 1 } as const;

function markerKind(marker: string): { kind: keyof typeof MARKER_RANK; dir: string } | { kind: 'srpm' } {
  if (marker.endsWith('.src.rpm')) return { kind: 'srpm' };
  if (marker.endsWith('debian/control')) return { kind: 'debian', dir: dirname(dirname(marker)) };
  return { kind: marker.endsWith('.spec') ? 'rpm' : 'npm', dir: dirname(marker) };
}

async function fromMarkers(root: string, outDir: string): Promise<SweepPackage[]> {
  const markers = await fg(['**/debian/control', '**/package.json', '**/*.spec', '**/*.src.rpm'], {
    cwd: root,
    ignore: [...IGNORED, `${relative(root, outDir)}/**`],
  });
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
  return [...bySource]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([source, preset]) => ({ name: nameFor(root, source), source, recipe: { preset } }));
}

/** Packages under `root`; names must be unique (they name report sections and directories). */
export async function discoverPackages(
  root: string,
  config: Config | null,
  configFile: string,
  outDir: string,
): Promise<SweepPackage[]> {
  const packages = config?.packages
    ? await fromConfig(root, config, configFile, outDir)
    : await fromMarkers(root, outDir);
  const seen = new Map<string, string>();
  for (const pkg of packages) {
    const earlier = seen.get(pkg.name);
    if (earlier !== undefined)
      throw new TwinbuildError(
        'config',
        `two packages are named "${pkg.name}" (${earlier} and ${pkg.source}); give one a "name" in ${configFile}`,
      );
    seen.set(pkg.name, pkg.source);
  }
  return packages;
}
