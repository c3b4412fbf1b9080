// Installing twinbuild from git the way a CI job does: `npm install --global`
// of a git URL, into a private prefix and npm cache (nothing global is touched),
// then running the installed `twinbuild`.
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, cleanupTemp, requireOrSkip, tempDir } from '../helpers.js';

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
  // Note: --ignore-scripts skips the dependencies' install scripts: better-sqlite3
  // would compile SQLite for many minutes here (no prebuilt binary is reachable),
  // and twinbuild does not load it to start. The dist branch has no scripts of its own.
  const env = { ...process.env, npm_config_prefix: join(dir, 'prefix'), npm_config_cache: join(dir, 'cache'), npm_config_logs_dir: join(dir, 'logs') } as Record<string, string>;
  delete env['npm_config_global'];
  return realProcesses.capture(['npm', 'install', '--global', '--no-audit', '--no-fund', '--ignore-scripts', spec], { env, timeoutMs: 400_000 });
}

describe('install: npm install --global from a git URL', function () {
  this.timeout(600_000);
  let clone = '';
  before(async function () {
    const ping = await realProcesses.capture(['npm', 'ping'], { timeoutMs: 30_000 });
    requireOrSkip(this, ping.exitCode === 0, 'the npm registry is not reachable (the install fetches the runtime dependencies)');
    clone = await cloneWithDistBranch();
  });
  after(cleanupTemp);

  it('installs the dist branch into a private prefix, and the installed twinbuild runs', async () => {
    const dir = await tempDir('tb-npm-');
    const installed = await npmInstallGlobal(dir, `git+file://${clone}#dist`);
    expect(installed.exitCode, installed.stderr).to.equal(0);
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await realProcesses.capture([join(dir, 'prefix', 'bin', 'twinbuild'), '--version']);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal(version);
    const help = await realProcesses.capture([join(dir, 'prefix', 'bin', 'twinbuild'), 'init', '--help']);
    expect(help.stdout).to.match(/^Usage: twinbuild init/);
  });

  it('prepare says how to install instead of "tsc: not found" when the build tools are missing', async () => {
    // What npm's preparation of the source branch runs under --global: a clone with
    // no node_modules and npm_config_global=true (an npm run of it would compile
    // better-sqlite3 for many minutes first).
    const bare = join(await tempDir('tb-clone-'), 'twinbuild');
    expect((await realProcesses.capture(['git', 'clone', '-q', REPO_ROOT, bare], { timeoutMs: 120_000 })).exitCode).to.equal(0);
    const prepared = await realProcesses.capture(['node', join(bare, 'scripts', 'prepare.mjs')], { env: { ...process.env, npm_config_global: 'true' } as Record<string, string> });
    expect(prepared.exitCode).to.equal(1);
    expect(prepared.stderr).to.match(/npm cannot build twinbuild's sources during a global install from git[\s\S]*#dist/);
  });
});
