// `twinbuild init [ROOT]`: a commented twinbuild.config.json for the packages
// discovery finds, so a sweep's setup starts from what is really there.
import { stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { SCHEMA_FILE } from '../../suites/config.js';
import { discoverPackages, notFollowed, type SweepPackage } from '../../suites/discovery.js';
import type { Command } from '../command.js';

export const INIT_HELP = `Usage: twinbuild init [ROOT=.]

Writes ROOT/twinbuild.config.json listing the packages twinbuild finds under ROOT
(each debian/control and package.json, as "twinbuild sweep" would without a
config), with "$comment" keys saying what each entry means and what to change.
Its "$schema" is ROOT's ./node_modules/twinbuild copy of the schema when there
is one (twinbuild a dev dependency), else a relative path to the schema of the
twinbuild that wrote it, so that editors find it.
Refuses (exit 2) when ROOT/twinbuild.config.json exists, or nothing is found.
`;

export const initCommand: Command = { help: INIT_HELP, run: runInit };

const MARKER: Readonly<Record<string, string>> = { debian: 'debian/control', npm: 'package.json' };

const IN_NODE_MODULES = './node_modules/twinbuild/suites/twinbuild.config.schema.json';

// Note: a "$schema" must resolve to a file an editor can read: no URL serves the
// schema, so it is a path relative to the config, into node_modules as docs/sweeps.md
// shows when twinbuild is installed there, else to this twinbuild's own copy.
export async function schemaReference(root: string): Promise<string> {
  if (await stat(join(root, IN_NODE_MODULES)).catch(() => null)) return IN_NODE_MODULES;
  const path = relative(root, SCHEMA_FILE).split(sep).join('/');
  return path.startsWith('../') ? path : `./${path}`;
}

/** The config text: JSON has no comments, so the explanations are "$comment" keys (the schema accepts them). */
export function initialConfig(root: string, packages: readonly SweepPackage[], schema: string): string {
  const config = {
    $schema: schema,
    $comment: [
      `Written by "twinbuild init" for the ${packages.length} package(s) found under this directory.`,
      'twinbuild sweep checks each entry of "packages"; "defaults" apply to every entry, and an entry\'s own keys win.',
      'A package that is not a Debian or npm package needs "build" (a shell command) and "artifacts" (globs of what it makes).',
      '"vary" picks variations, e.g. "-all,+locales" (twinbuild variations lists them); "ignore" records known differences with a reason.',
    ],
    defaults: {
      $comment:
        'Keys here apply to every package: "vary", "timeout" (e.g. "30m"), "env", and for generic packages "build" and "artifacts".',
    },
    packages: packages.map((pkg) => {
      const preset = pkg.recipe.preset ?? 'auto';
      return {
        $comment: `found ${MARKER[preset] ?? 'a package marker'}: built the ${preset} preset's way`,
        path: relative(root, pkg.source) || '.',
        preset,
      };
    }),
    ignore: [],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

async function runInit(args: string[], { env, stdout, stderr }: Parameters<Command['run']>[1]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (positionals.length > 1) throw usageError('init takes one ROOT directory (see twinbuild init --help)');
  const root = resolve(env.cwd, positionals[0] ?? '.');
  const file = join(root, 'twinbuild.config.json');
  const { packages, symlinkedDirs } = await discoverPackages(root, null, file, join(root, 'twinbuild-out'));
  if (symlinkedDirs.length > 0) stderr.write(`twinbuild: note: ${notFollowed(symlinkedDirs)}\n`);
  if (packages.length === 0)
    throw new TwinbuildError(
      'usage',
      `no packages found under ${root} (no debian/control or package.json); write twinbuild.config.json by hand (docs/sweeps.md)`,
    );
  try {
    // 'wx': an existing config is the user's work; never replaced.
    await writeFile(file, initialConfig(root, packages, await schemaReference(root)), { flag: 'wx' });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST')
      throw new TwinbuildError('usage', `${file} exists; not overwriting it (remove it first to start over)`);
    throw cause;
  }
  stdout.write(
    `wrote ${file} (${packages.length} package${packages.length === 1 ? '' : 's'}: ${packages.map((p) => p.name).join(', ')})\n`,
  );
  return 0;
}
