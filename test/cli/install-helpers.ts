// Shared by the install tests: a clone of this checkout as a user would install
// it from git (its main branch and a tag), and a global npm install into a private
// prefix, cache and log directory.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, tempDir } from '../helpers.js';

const BUNDLE = join('dist', 'bundle', 'twinbuild.mjs');

/**
 * A clone of this checkout's HEAD whose committed bundle is the one just built
 * here (committed in the clone when the checkout's is not yet), tagged v<version>:
 * what `npm install git+…` and `git+…#v<version>` fetch.
 */
export async function cloneForInstall(): Promise<{ clone: string; tag: string }> {
  const clone = join(await tempDir('tb-clone-'), 'twinbuild');
  const git = async (...args: string[]) => {
    const run = await realProcesses.capture(
      ['git', '-C', clone, '-c', 'user.name=twinbuild tests', '-c', 'user.email=tests@twinbuild.invalid', ...args],
      { timeoutMs: 120_000 },
    );
    if (run.exitCode !== 0) throw new Error(`git ${args.join(' ')} exited ${run.exitCode}: ${run.stderr}`);
    return run.stdout;
  };
  const cloned = await realProcesses.capture(['git', 'clone', '-q', REPO_ROOT, clone], { timeoutMs: 120_000 });
  if (cloned.exitCode !== 0) throw new Error(cloned.stderr);
  await mkdir(join(clone, 'dist', 'bundle'), { recursive: true });
  await copyFile(join(REPO_ROOT, BUNDLE), join(clone, BUNDLE));
  if ((await git('status', '--porcelain', '--', BUNDLE)).trim())
    await git('commit', '-q', '-m', 'bundle', '--', BUNDLE);
  const { version } = JSON.parse(await readFile(join(clone, 'package.json'), 'utf8')) as { version: string };
  const tag = `v${version}`;
  await git('tag', tag);
  return { clone, tag };
}

/** npm's prefix, cache and logs in `dir`, and no --global inherited from an npm run around the tests. */
export function privateNpm(dir: string): Record<string, string> {
  const env = {
    ...process.env,
    npm_config_prefix: join(dir, 'prefix'),
    npm_config_cache: join(dir, 'cache'),
    npm_config_logs_dir: join(dir, 'logs'),
  } as Record<string, string>;
  delete env['npm_config_global'];
  return env;
}

/** `npm install --global SPEC` with npm's prefix, cache and logs in `dir`. */
export async function npmInstallGlobal(dir: string, spec: string) {
  // Note: --ignore-scripts, as the CI templates install it: better-sqlite3 (only the
  // rebuilder service's state) would compile SQLite for minutes here (no prebuilt
  // binary is reachable), and every other command runs without it.
  return realProcesses.capture(['npm', 'install', '--global', '--no-audit', '--no-fund', '--ignore-scripts', spec], {
    env: privateNpm(dir),
    timeoutMs: 400_000,
  });
}
