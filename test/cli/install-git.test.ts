// Installing twinbuild from git the way a CI job does: `npm install --global`
// of a git URL, into a private prefix and npm cache (nothing global is touched),
// then running the installed `twinbuild`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, cleanupTemp, requireOrSkip, tempDir } from '../helpers.js';
import { cloneWithDistBranch, npmInstallGlobal } from './install-helpers.js';

describe('install: npm install --global from a git URL', function () {
  this.timeout(600_000);
  let clone = '';
  before(async function () {
    const ping = await realProcesses.capture(['npm', 'ping'], { timeoutMs: 30_000 });
    requireOrSkip(
      this,
      ping.exitCode === 0,
      'the npm registry is not reachable (the install fetches the runtime dependencies)',
    );
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
    expect(
      (await realProcesses.capture(['git', 'clone', '-q', REPO_ROOT, bare], { timeoutMs: 120_000 })).exitCode,
    ).to.equal(0);
    const prepared = await realProcesses.capture(['node', join(bare, 'scripts', 'prepare.mjs')], {
      env: { ...process.env, npm_config_global: 'true' } as Record<string, string>,
    });
    expect(prepared.exitCode).to.equal(1);
    expect(prepared.stderr).to.match(
      /npm cannot build twinbuild's sources during a global install from git[\s\S]*#dist/,
    );
  });
});
