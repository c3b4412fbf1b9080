// Installing twinbuild from git the way a user or a CI job does: `npm install
// --global` of a git URL (the main branch, a tag) and `npx`, into a private prefix
// and npm cache (nothing global is touched), then running the installed
// `twinbuild`. The bundled CLI is committed, so npm installs the clone like a
// tarball (no build step); the first test keeps that bundle honest.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, cleanupTemp, requireOrSkip, tempDir } from '../helpers.js';
import { cloneForInstall, npmInstallGlobal, privateNpm } from './install-helpers.js';

describe('install: the committed bundle', () => {
  it('dist/bundle/twinbuild.mjs, as npm run compile just made it, is the one git holds (staged or committed)', async () => {
    const diff = await realProcesses.capture(
      ['git', '-C', REPO_ROOT, 'diff', '--stat', '--exit-code', '--', 'dist/bundle/twinbuild.mjs'],
      { timeoutMs: 60_000 },
    );
    expect(
      diff.exitCode,
      'the committed bundle is stale: npm run compile, then commit dist/bundle/twinbuild.mjs',
    ).to.equal(0);
    const tracked = await realProcesses.capture([
      'git',
      '-C',
      REPO_ROOT,
      'ls-files',
      '--error-unmatch',
      'dist/bundle/twinbuild.mjs',
    ]);
    expect(tracked.exitCode, 'dist/bundle/twinbuild.mjs is not in git').to.equal(0);
  });

  it('package.json has no script that makes npm build a git dependency (prepare, build, install …)', async () => {
    const { scripts } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // pacote runs an inner `npm install` in the clone when any of these exists (lib/git.js).
    for (const name of ['prepare', 'build', 'prepack', 'preinstall', 'install', 'postinstall'])
      expect(scripts, name).to.not.have.property(name);
  });
});

describe('install: npm install --global from a git URL', function () {
  this.timeout(600_000);
  let clone = '';
  let tag = '';
  let version = '';
  before(async function () {
    const ping = await realProcesses.capture(['npm', 'ping'], { timeoutMs: 30_000 });
    requireOrSkip(
      this,
      ping.exitCode === 0,
      'the npm registry is not reachable (the install fetches the runtime dependencies)',
    );
    ({ clone, tag } = await cloneForInstall());
    version = tag.slice(1);
  });
  after(cleanupTemp);

  it('installs the main branch into a private prefix, and the installed twinbuild runs', async () => {
    const dir = await tempDir('tb-npm-');
    const installed = await npmInstallGlobal(dir, `git+file://${clone}`);
    expect(installed.exitCode, installed.stderr).to.equal(0);
    const twinbuild = join(dir, 'prefix', 'bin', 'twinbuild');
    const run = await realProcesses.capture([twinbuild, '--version']);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal(version);
    const help = await realProcesses.capture([twinbuild, 'init', '--help']);
    expect(help.stdout).to.match(/^Usage: twinbuild init/);

    // Installed with --ignore-scripts, better-sqlite3 has no native binary: the
    // rebuilder says so in one line (exit 3), no stack trace.
    const key = join(dir, 'key');
    expect((await realProcesses.capture([twinbuild, 'keygen', '--out', key])).exitCode).to.equal(0);
    const config = join(dir, 'rebuilder.json');
    await writeFile(
      config,
      JSON.stringify({
        repositories: [
          {
            name: 'r',
            url: 'http://127.0.0.1:9/',
            sources: 'Sources',
            packages: ['Packages'],
            buildinfo: '.',
            unsigned: true,
          },
        ],
        signingKey: key,
        publish: join(dir, 'publish'),
        state: join(dir, 'state'),
      }),
    );
    const rebuilder = await realProcesses.capture([twinbuild, 'rebuilder', '--config', config, '--once'], {
      timeoutMs: 120_000,
    });
    expect(rebuilder.exitCode, rebuilder.stderr).to.equal(3);
    expect(rebuilder.stderr).to.match(/better-sqlite3[^\n]*native[^\n]*npm rebuild better-sqlite3/);
    expect(rebuilder.stderr).to.not.match(/^\s+at /m);
    expect(rebuilder.stderr.trim().split('\n')).to.have.length(1);
  });

  it('installs a tag, and npx runs the main branch', async () => {
    const dir = await tempDir('tb-npm-');
    const installed = await npmInstallGlobal(dir, `git+file://${clone}#${tag}`);
    expect(installed.exitCode, installed.stderr).to.equal(0);
    const run = await realProcesses.capture([join(dir, 'prefix', 'bin', 'twinbuild'), '--version']);
    expect(run.stdout.trim()).to.equal(version);

    const npx = await realProcesses.capture(
      ['npx', '--yes', '--ignore-scripts', `git+file://${clone}`, 'variations', '--help'],
      { env: privateNpm(join(dir, 'npx')), timeoutMs: 400_000 },
    );
    expect(npx.exitCode, npx.stderr).to.equal(0);
    expect(npx.stdout).to.match(/^Usage: twinbuild variations/);
  });
});
