// The CI image's steps (Dockerfile → scripts/docker-steps.sh), run without a
// container runtime: the package list is scripts/debian-packages.txt, apt can
// resolve it, and the twinbuild step installs a working twinbuild.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, cleanupTemp, onPath, requireOrSkip, tempDir } from '../helpers.js';
import { cloneForInstall } from './install-helpers.js';

const STEPS = join(REPO_ROOT, 'scripts', 'docker-steps.sh');

describe('install: the CI image (Dockerfile steps)', function () {
  this.timeout(600_000);
  after(cleanupTemp);

  it('the Dockerfile runs the steps script and is based on Debian bookworm', async () => {
    const dockerfile = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).to.match(/^FROM node:20-bookworm$/m);
    expect(dockerfile).to.match(
      /^COPY scripts\/debian-packages\.txt scripts\/docker-steps\.sh \/opt\/twinbuild-image\/$/m,
    );
    expect(dockerfile).to.match(/^RUN sh \/opt\/twinbuild-image\/docker-steps\.sh install-packages$/m);
    expect(dockerfile).to.match(
      /^RUN sh \/opt\/twinbuild-image\/docker-steps\.sh install-twinbuild "\$TWINBUILD_PACKAGE"$/m,
    );
  });

  it('installs exactly the packages of scripts/debian-packages.txt, which apt can resolve', async function () {
    const listed = (await readFile(join(REPO_ROOT, 'scripts', 'debian-packages.txt'), 'utf8'))
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    const run = await realProcesses.capture(['sh', STEPS, 'packages']);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout.trim().split('\n')).to.deep.equal(listed);
    requireOrSkip(this, Boolean(await onPath('apt-get')), 'apt-get not found (not Debian)');
    const simulated = await realProcesses.capture(['sh', STEPS, 'install-packages'], {
      env: { ...process.env, APT_OPTIONS: '--simulate' } as Record<string, string>,
      timeoutMs: 120_000,
    });
    expect(simulated.exitCode, simulated.stderr).to.equal(0);
  });

  it('installs twinbuild (from a tag of a clone) into a private prefix, and runs it', async function () {
    const ping = await realProcesses.capture(['npm', 'ping'], { timeoutMs: 30_000 });
    requireOrSkip(
      this,
      ping.exitCode === 0,
      'the npm registry is not reachable (the install fetches the runtime dependencies)',
    );
    const { tag, clone } = await cloneForInstall();
    const dir = await tempDir('tb-npm-');
    // Note: npm_config_ignore_scripts as in install-git.test.ts (better-sqlite3 would compile for minutes).
    const env = {
      ...process.env,
      npm_config_prefix: join(dir, 'prefix'),
      npm_config_cache: join(dir, 'cache'),
      npm_config_logs_dir: join(dir, 'logs'),
      npm_config_ignore_scripts: 'true',
    } as Record<string, string>;
    const run = await realProcesses.capture(['sh', STEPS, 'install-twinbuild', `git+file://${clone}#${tag}`], {
      env,
      timeoutMs: 500_000,
    });
    expect(run.exitCode, run.stderr).to.equal(0);
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run.stdout.trim().split('\n').at(-1)).to.equal(version);
  });
});
