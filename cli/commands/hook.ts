// `twinbuild hook install|uninstall`: the git pre-push hook.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hookScript, installHook, uninstallHook } from '../../suites/hook.js';
import { CONFIG_FILE, loadConfig } from '../../suites/config.js';
import { discoverPackages } from '../../suites/discovery.js';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { git } from '../../adapters/git.js';
import type { ProcessRunner } from '../../adapters/process.js';
import type { Command } from '../command.js';

export const HOOK_HELP = `Usage: twinbuild hook install [--pre-push] [--force] [--repo DIR]
       twinbuild hook uninstall [--repo DIR]

install: writes a git pre-push hook that runs "twinbuild sweep --changed-since"
         on the packages the push changes (every package for a new branch), with
         the repository's twinbuild.config.json. Quiet when all is reproducible;
         otherwise it prints the verdict and blocks the push (skip once with
         git push --no-verify). The hook runs the twinbuild on PATH at push
         time, and blocks the push with a message when there is none.
         Refuses to replace another pre-push hook unless --force, which sets
         it aside, and refuses (exit 2) a repository where the sweep would
         find no package: its every push would be blocked.
uninstall: removes twinbuild's hook and puts back the one it replaced.
`;

export const hookCommand: Command = { help: HOOK_HELP, run: runHook };

async function runHook(args: string[], { env, runner, stdout }: Parameters<Command['run']>[1]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { 'pre-push': { type: 'boolean' }, force: { type: 'boolean' }, repo: { type: 'string' } },
  });
  const [action, ...rest] = positionals;
  if ((action !== 'install' && action !== 'uninstall') || rest.length > 0)
    throw usageError('hook expects install or uninstall (see twinbuild hook --help)');
  const repo = resolve(env.cwd, values.repo ?? '.');
  const found = await git(runner, repo, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks']);
  if (found.exitCode !== 0) throw new TwinbuildError('usage', `${repo} is not inside a git repository`);
  const hooksDir = found.stdout.trim();
  if (action === 'uninstall') {
    stdout.write(`${await uninstallHook(hooksDir)}\n`);
    return 0;
  }
  await assertSomethingToCheck(runner, repo);
  const hook = await installHook(hooksDir, hookScript(), values.force ?? false);
  stdout.write(`installed ${hook}\n`);
  return 0;
}

// Note: the hook sweeps the work tree's top with its twinbuild.config.json; where
// that finds no package, every push would be blocked ("no packages checked", exit 3).
async function assertSomethingToCheck(runner: ProcessRunner, repo: string): Promise<void> {
  const top = await git(runner, repo, ['rev-parse', '--show-toplevel']);
  if (top.exitCode !== 0 || top.stdout.trim() === '')
    throw usageError(`${repo} has no work tree (a bare repository?); the pre-push hook checks a work tree`);
  const root = top.stdout.trim();
  const configFile = join(root, CONFIG_FILE);
  const config = (await stat(configFile).catch(() => null)) ? await loadConfig(configFile) : null;
  const { packages } = await discoverPackages(root, config, configFile, join(root, '.git', 'twinbuild-out'));
  if (packages.length > 0) return;
  const looked = config?.packages
    ? `${configFile} lists no packages`
    : `no package found under ${root}: looked for ${CONFIG_FILE} with "packages", and for debian/control, ` +
      `package.json, *.spec or *.src.rpm below it`;
  throw usageError(
    `not installing the hook: ${looked}, so every push would be blocked ("no packages checked"); ` +
      `add a package, or a ${CONFIG_FILE} listing one (docs/sweeps.md), first`,
  );
}
