// Shared by the install tests: a clone with a dist branch, and a global npm
// install into a private prefix, cache and log directory.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, tempDir } from '../helpers.js';

/** A clone of this checkout's HEAD with its built dist/ and a `dist` branch made by scripts/git-dist.mjs. */
export async function cloneWithDistBranch(): Promise<string> {
  const clone = join(await tempDir('tb-clone-'), 'twinbuild');
  const cloned = await realProcesses.capture(['git', 'clone', '-q', REPO_ROOT, clone], { timeoutMs: 120_000 });
  if (cloned.exitCode !== 0) throw new Error(cloned.stderr);
  await cp(join(REPO_ROOT, 'dist', 'bundle'), join(clone, 'dist', 'bundle'), { recursive: true });
  const made = await realProcesses.capture(['node', join(clone, 'scripts', 'git-dist.mjs')], { timeoutMs: 300_000 });
  if (made.exitCode !== 0) throw new Error(`git-dist.mjs exited ${made.exitCode}: ${made.stderr}${made.stdout}`);
  return clone;
}

/** `npm install --global SPEC` with npm's prefix, cache and logs in `dir`. */
export async function npmInstallGlobal(dir: string, spec: string) {
  // Note: --ignore-scripts, as the CI templates install it: better-sqlite3 (only the
  // rebuilder service's state) would compile SQLite for minutes here (no prebuilt
  // binary is reachable), and every other command runs without it.
  const env = {
    ...process.env,
    npm_config_prefix: join(dir, 'prefix'),
    npm_config_cache: join(dir, 'cache'),
    npm_config_logs_dir: join(dir, 'logs'),
  } as Record<string, string>;
  delete env['npm_config_global'];
  return realProcesses.capture(['npm', 'install', '--global', '--no-audit', '--no-fund', '--ignore-scripts', spec], {
    env,
    timeoutMs: 400_000,
  });
}
