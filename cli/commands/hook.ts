// `twinbuild hook install|uninstall`: the git pre-push hook.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hookScript, installHook, uninstallHook } from '../../suites/hook.js';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { git } from '../../adapters/git.js';
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
         it aside.
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
  const hook = await installHook(hooksDir, hookScript(), values.force ?? false);
  stdout.write(`installed ${hook}\n`);
  return 0;
}
