// Sweeps find RPM packages through the rpm preset: a directory with a .spec
// (over a package.json beside it) and a .src.rpm file, each checked with the
// real rpmbuild; the config key rpmReproducibleMacros switches the macros on.
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RunResult } from '../../reports/model.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { writeFiles } from './fixtures.js';
import { TINYHELLO, TINYHELLO_RPM, makeSourceRpm } from './rpm-fixtures.js';

async function rpmRepo(): Promise<string> {
  const root = join(await tempDir(), 'repo');
  await cp(TINYHELLO, join(root, 'specs', 'tinyhello'), { recursive: true });
  await cp(TINYHELLO, join(root, 'js', 'mixed'), { recursive: true });
  await writeFiles(root, { 'js/mixed/package.json': '{"name":"mixed","version":"1.0.0"}' });
  await mkdir(join(root, 'srpms'));
  await cp(await makeSourceRpm(await tempDir()), join(root, 'srpms', 'tinyhello-1.0-1.src.rpm'));
  return root;
}

const summary = (result: RunResult) =>
  result.packages.map((p) => [p.name, p.verdict, p.artifacts.map((a) => a.path).join(' ')]);
const sweep = (root: string, ...extra: string[]) =>
  runCli(['sweep', root, '--quiet', '--no-bisect', '--vary=-all,+time,+umask,+domain_host', '--seed', '7', ...extra], {
    timeoutMs: 300_000,
  });

describe('sweep: RPM packages', function () {
  this.timeout(300_000);
  after(cleanupTemp);
  before(async function () {
    requireOrSkip(this, Boolean(await onPath('rpmbuild')), 'rpmbuild is not installed (Debian package rpm)');
  });

  it(
    'without a config: a .spec directory and a .src.rpm each a package, the .spec ' +
      'winning over a package.json; stock specs vary in BUILDTIME',
    async () => {
      const root = await rpmRepo();
      const run = await sweep(root);
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
      const result = await run.results();
      expect(summary(result)).to.deep.equal([
        ['js-mixed', 'unreproducible', TINYHELLO_RPM],
        ['specs-tinyhello', 'unreproducible', TINYHELLO_RPM],
        ['srpms-tinyhello-1.0-1', 'unreproducible', TINYHELLO_RPM],
      ]);
      expect(
        result.packages
          .map((p) => p.builds.control!.command.join(' '))
          .every((c) => c.includes('rpmbuild -bb --nodeps')),
      ).to.equal(true);
    },
  );

  it('rpmReproducibleMacros in the config defaults: every package reproducible; a non-boolean is exit 2 naming the key', async () => {
    const root = await rpmRepo();
    const config = {
      defaults: { rpmReproducibleMacros: true },
      packages: [{ path: 'specs/tinyhello', preset: 'rpm' }, { path: 'srpms/tinyhello-1.0-1.src.rpm' }],
    };
    await writeFiles(root, { 'twinbuild.config.json': JSON.stringify(config) });
    const run = await sweep(root);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    expect(summary(await run.results())).to.deep.equal([
      ['specs-tinyhello', 'reproducible', TINYHELLO_RPM],
      ['srpms-tinyhello-1.0-1', 'reproducible', TINYHELLO_RPM],
    ]);
    await writeFiles(root, {
      'twinbuild.config.json': JSON.stringify({ ...config, defaults: { rpmReproducibleMacros: 'yes' } }),
    });
    const bad = await runCli(['sweep', root]);
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.match(/twinbuild\.config\.json: defaults\.rpmReproducibleMacros: must be boolean/);
  });
});
