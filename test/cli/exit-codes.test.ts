// Every exit code of `twinbuild check`, each from a real run.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { check, cleanupTemp, EXAMPLES, fixture, runCli, toolFarm } from '../helpers.js';

const noStackTrace = (text: string) => expect(text).not.to.match(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('check: exit codes', function () {
  after(cleanupTemp);

  it('0 when reproducible, with results.json in the documented shape', async () => {
    const run = await check(join(EXAMPLES, 'reproducible'), '--seed', '42');
    expect(run.exitCode, run.stderr).to.equal(0);
    const results = await run.results();
    expect(results.schema).to.equal('twinbuild/results@3');
    expect(results.seed).to.equal(42);
    expect(results.exitCode).to.equal(0);
    expect(results.summary).to.deep.equal({ total: 1, reproducible: 1, unreproducible: 0, error: 0, ignored: 0 });
    const pkg = results.packages[0]!;
    expect(pkg.verdict).to.equal('reproducible');
    expect(pkg.error).to.equal(null);
    expect(pkg.artifacts.map((a) => a.path)).to.deep.equal(['out/MANIFEST', 'out/hello']);
    for (const a of pkg.artifacts) {
      expect(a.status).to.equal('identical');
      expect(a.sha256.control).to.match(/^[0-9a-f]{64}$/);
      expect(a.sha256.control).to.equal(a.sha256.experiment);
    }
    expect(pkg.builds.control?.values).to.include({ umask: '0022', timezone: 'GMT+12' });
    expect(pkg.builds.experiment?.values).to.include({ umask: '0002', timezone: 'GMT-14' });
    expect(existsSync(join(run.out, pkg.builds.control!.log))).to.equal(true);
  });

  it('1 when an artifact differs, naming it on stdout', async () => {
    const run = await check(join(EXAMPLES, 'leaks-date'));
    expect(run.exitCode, run.stderr).to.equal(1);
    expect(run.stdout).to.match(/UNREPRODUCIBLE: leaks-date: 1 of 2 artifacts differ/);
    expect(run.stdout).to.include('out/VERSION');
  });

  it('1 for the locale sort-order example, caught by locales alone', async () => {
    const run = await check(join(EXAMPLES, 'leaks-locale-sort'), '--vary=-all,+locales');
    expect(run.exitCode, run.stderr).to.equal(1);
  });

  const usageCases: readonly [string, string[], RegExp][] = [
    ['an unknown variation', ['--vary=+colour'], /unknown variation "colour"/],
    ['a malformed spec', ['--vary=umask.nope=1'], /umask has no option "nope"/],
    ['an artifact glob escaping the tree', ['--artifacts', '../*.deb'], /escapes the build tree/],
    ['an absolute artifact glob', ['--artifacts', '/etc/*'], /escapes the build tree/],
    ['an unknown flag', ['--frobnicate'], /unknown option --frobnicate/],
    ['a bad timeout', ['--timeout', 'soon'], /--timeout expects a duration/],
  ];
  for (const [what, extra, message] of usageCases) {
    it(`2 for ${what}, with a one-line message and no stack trace`, async () => {
      const run = await check(join(EXAMPLES, 'reproducible'), ...extra);
      expect(run.exitCode).to.equal(2);
      expect(run.stderr).to.match(message);
      noStackTrace(run.stderr);
    });
  }

  it('2 for a source directory that does not exist', async () => {
    const run = await check('/nonexistent/twinbuild-source');
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/cannot read source directory \/nonexistent\/twinbuild-source/);
    noStackTrace(run.stderr);
  });

  it('2 when --build or --artifacts is missing', async () => {
    const noBuild = await runCli(['check', join(EXAMPLES, 'reproducible'), '--artifacts', 'out/**']);
    expect(noBuild.exitCode).to.equal(2);
    expect(noBuild.stderr).to.match(/needs --build/);
    const noArtifacts = await runCli(['check', join(EXAMPLES, 'reproducible'), '--build', 'true']);
    expect(noArtifacts.exitCode).to.equal(2);
    expect(noArtifacts.stderr).to.match(/needs --artifacts/);
  });

  it('3 when a build fails, printing the last 20 lines of its log', async () => {
    const source = await fixture('for i in $(seq 1 30); do echo "log line $i"; done\nexit 7');
    const run = await check(source);
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(/control build failed \(exit 7\)/);
    expect(run.stdout).to.include('| log line 30');
    expect(run.stdout).to.include('| log line 11');
    expect(run.stdout).not.to.include('| log line 10\n');
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('error');
    expect(pkg.error?.code).to.equal('build-failed');
    expect(pkg.builds.control?.logTail).to.have.length(20);
  });

  it('3 when only the experiment fails (never a pass)', async () => {
    const source = await fixture('echo ok > out/a\n[ "$HOME" != /nonexistent/second-build ]');
    const run = await check(source);
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(/experiment build failed \(exit 1\)/);
  });

  it('3 when no artifact matched on either side', async () => {
    const source = await fixture('echo built > elsewhere.txt');
    const run = await check(source);
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(/no artifacts matched/);
    expect((await run.results()).packages[0]!.error?.code).to.equal('no-artifacts');
  });

  it('3 before any build when a requested variation cannot run here (no namespaces → no fileordering)', async () => {
    const source = await fixture('echo ran > out/a');
    const run = await check(source, '--isolation', 'sequential', '--vary=+fileordering');
    expect(run.exitCode).to.equal(3);
    expect(run.stderr).to.match(/requested variation unavailable here: fileordering \(needs private mount namespaces/);
    expect(existsSync(join(run.out, 'logs'))).to.equal(false);
  });

  describe('a variation whose tool is missing from PATH', function () {
    let pathWithoutDisorderfs: string;
    before(async () => {
      pathWithoutDisorderfs = await toolFarm(['disorderfs']);
    });

    it('is skipped with its reason when it only comes in through +all (exit 0)', async () => {
      const run = await runCli(
        ['check', join(EXAMPLES, 'reproducible'), '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=+all'],
        { env: { PATH: pathWithoutDisorderfs } },
      );
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      expect(run.stdout).to.match(/skipped: fileordering \(disorderfs not found \(Debian package disorderfs\)\)/);
      const variation = (await run.results()).packages[0]!.variations.find((v) => v.name === 'fileordering');
      expect(variation).to.include({
        status: 'skipped',
        requested: false,
        reason: 'disorderfs not found (Debian package disorderfs)',
      });
    });

    it('is exit 3, before building, when asked for by name', async () => {
      const run = await runCli(
        [
          'check',
          join(EXAMPLES, 'reproducible'),
          '--build',
          'sh build.sh',
          '--artifacts',
          'out/**',
          '--vary=+fileordering',
        ],
        { env: { PATH: pathWithoutDisorderfs } },
      );
      expect(run.exitCode).to.equal(3);
      expect(run.stderr).to.match(/requested variation unavailable here: fileordering \(disorderfs not found/);
    });
  });
});
