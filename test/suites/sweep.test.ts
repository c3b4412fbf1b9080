// Sweeps over a fixture repository of 12 generic packages with mixed verdicts,
// a real Debian source package and an npm package: verdicts, shards merged,
// baselines, known differences, --changed-since and config errors.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RunResult } from '../../reports/model.js';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { FAILS, LEAKS_UMASK, REPRODUCIBLE, debianPackage, genericPackage, npmPackage, writeFiles } from './fixtures.js';

const GOOD = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india'];
const EXPECTED: Record<string, string> = {
  ...Object.fromEntries(GOOD.map((n) => [`pkgs-${n}`, 'reproducible'])),
  'pkgs-umask1': 'unreproducible',
  'pkgs-umask2': 'unreproducible',
  'pkgs-broken': 'error',
  'debian-tinyhello': 'reproducible',
  'js-tiny-npm': 'reproducible',
};

const CONFIG = {
  defaults: { build: 'sh build.sh', artifacts: ['out/**'], timeout: '5m' },
  packages: [
    { glob: 'pkgs/*' },
    { path: 'debian/tinyhello', preset: 'debian' },
    { path: 'js/tiny-npm', preset: 'npm' },
  ],
};

async function makeRepo(): Promise<string> {
  const root = join(await tempDir(), 'repo');
  for (const name of GOOD) await genericPackage(root, `pkgs/${name}`, REPRODUCIBLE);
  await genericPackage(root, 'pkgs/umask1', LEAKS_UMASK);
  await genericPackage(root, 'pkgs/umask2', `${LEAKS_UMASK}\n${REPRODUCIBLE}`);
  await genericPackage(root, 'pkgs/broken', FAILS);
  await debianPackage(join(root, 'debian/tinyhello'));
  await npmPackage(join(root, 'js/tiny-npm'));
  await writeFiles(root, { 'twinbuild.config.json': JSON.stringify(CONFIG, null, 2) });
  return root;
}

const verdicts = (result: RunResult) => Object.fromEntries(result.packages.map((p) => [p.name, p.verdict]));
const sweep = (root: string, ...extra: string[]) =>
  runCli(
    ['sweep', root, '--quiet', '--no-bisect', '--vary=-all,+umask,+home,+locales,+time', '--seed', '7', ...extra],
    { timeoutMs: 300_000 },
  );

describe('sweep: a repository of packages', function () {
  this.timeout(300_000);
  let root: string;
  let whole: RunResult;
  let wholeOut: string;
  before(async () => {
    root = await makeRepo();
    const run = await sweep(root, '--jobs', '2');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(3); // one package's build fails
    whole = await run.results();
    wholeOut = run.out;
  });
  after(cleanupTemp);

  it('gives each package its verdict in one report set', async () => {
    expect(verdicts(whole)).to.deep.equal(EXPECTED);
    expect(whole.summary).to.deep.include({ total: 14, reproducible: 11, unreproducible: 2, error: 1 });
    const junit = await readFile(join(wholeOut, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)?.length, 'a testsuite per package').to.equal(14);
    expect(junit).to.include('name="pkgs-broken"');
    const html = await readFile(join(wholeOut, 'index.html'), 'utf8');
    expect(html).to.include('<title>twinbuild: 11/14 reproducible</title>');
    expect(await readFile(join(wholeOut, 'badge.svg'), 'utf8')).to.include('11/14');
    // Each package's result was written as it finished.
    const one = JSON.parse(await readFile(join(wholeOut, 'packages', 'pkgs-umask1.json'), 'utf8')) as {
      verdict: string;
    };
    expect(one.verdict).to.equal('unreproducible');
  });

  it('shards 1/3, 2/3 and 3/3 cover every package once, and merged give the unsharded verdicts', async () => {
    const outs: string[] = [];
    const seen: string[] = [];
    for (const i of [1, 2, 3]) {
      const run = await sweep(root, '--shard', `${i}/3`);
      const shard = await run.results();
      expect(shard.shard).to.deep.equal({ index: i, total: 3 });
      seen.push(...shard.packages.map((p) => p.name));
      outs.push(run.out);
    }
    expect(seen.sort()).to.deep.equal(Object.keys(EXPECTED).sort());
    const merged = await runCli(['report', 'merge', ...outs]);
    expect(merged.exitCode, merged.stderr + merged.stdout).to.equal(3);
    const result = await merged.results();
    expect(verdicts(result)).to.deep.equal(EXPECTED);
    expect(result.summary).to.deep.equal(whole.summary);
    const junit = await readFile(join(merged.out, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)?.length).to.equal(14);
    const lint = await realProcesses.capture(['xmllint', '--noout', join(merged.out, 'junit.xml')]);
    expect(lint.exitCode, lint.stderr).to.equal(0);
    const again = await runCli(['report', 'merge', outs[0]!, outs[0]!]);
    expect(again.exitCode).to.equal(2);
    expect(again.stderr).to.match(/is in both/);
  });

  it('takes shards from GitLab’s CI_NODE_INDEX / CI_NODE_TOTAL', async () => {
    const run = await runCli(['sweep', root, '--quiet', '--no-bisect', '--vary=-all,+umask'], {
      env: { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '3' },
    });
    expect((await run.results()).shard).to.deep.equal({ index: 2, total: 3 });
    const bad = await runCli(['sweep', root, '--shard', '4/3']);
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.match(/--shard expects I\/N/);
  });

  it('with --baseline fails only on regressions and lists fixed, still broken, new and removed', async () => {
    const baselineFile = join(await tempDir(), 'baseline.json');
    const before = JSON.parse(JSON.stringify(whole)) as { packages: { name: string; verdict: string }[] };
    // The baseline knew umask1 as reproducible (so it regressed), broken as fine too, and a package since removed.
    for (const p of before.packages) if (p.name === 'pkgs-umask1') p.verdict = 'reproducible';
    before.packages = before.packages.filter((p) => p.name !== 'pkgs-india');
    before.packages.push({ ...before.packages[0]!, name: 'pkgs-removed', verdict: 'reproducible' });
    for (const p of before.packages) if (p.name === 'pkgs-alpha') p.verdict = 'unreproducible';
    await writeFile(baselineFile, JSON.stringify(before));
    const run = await sweep(root, '--baseline', baselineFile);
    expect(run.exitCode, run.stdout).to.equal(1);
    const b = (await run.results()).baseline!;
    expect(b).to.deep.include({
      regressions: ['pkgs-umask1'],
      fixed: ['pkgs-alpha'],
      new: ['pkgs-india'],
      removed: ['pkgs-removed'],
    });
    expect(b.stillBroken).to.deep.equal(['pkgs-broken', 'pkgs-umask2']);
    expect(run.stdout).to.match(/regressions \(1\): pkgs-umask1/);
    // The same baseline without the regression: the known-bad packages do not fail the run.
    for (const p of before.packages) if (p.name === 'pkgs-umask1') p.verdict = 'unreproducible';
    await writeFile(baselineFile, JSON.stringify(before));
    expect((await sweep(root, '--baseline', baselineFile)).exitCode).to.equal(0);
  });
});

describe('sweep: configuration', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  const withConfig = async (config: unknown) => {
    const root = join(await tempDir(), 'repo');
    await genericPackage(root, 'pkgs/one', LEAKS_UMASK);
    await genericPackage(root, 'pkgs/two', REPRODUCIBLE);
    await writeFiles(root, { 'twinbuild.config.json': typeof config === 'string' ? config : JSON.stringify(config) });
    return root;
  };

  const cases: [string, unknown, RegExp][] = [
    [
      'an unknown key',
      { packages: [{ path: 'pkgs/one', buidl: 'make' }] },
      /twinbuild\.config\.json: packages\[0\]: unknown key "buidl"/,
    ],
    ['a wrong type', { defaults: { timeout: 30 } }, /twinbuild\.config\.json: defaults\.timeout: must be string/],
    ['a bad duration', { defaults: { timeout: 'soon' } }, /defaults\.timeout: expected a duration like 30m/],
    [
      'a missing path',
      { defaults: { build: 'true', artifacts: 'out/**' }, packages: [{ path: 'pkgs/nope' }] },
      /packages\[0\]\.path: .*pkgs\/nope does not exist/,
    ],
    [
      'a path outside the root',
      { packages: [{ path: '../elsewhere' }] },
      /packages\[0\]\.path: "\.\.\/elsewhere" is outside/,
    ],
    ['an ignore without a reason', { ignore: [{ artifacts: 'out/x' }] }, /ignore\[0\]: missing key "reason"/],
    [
      'an ignore for a whole package',
      { ignore: [{ artifacts: '**', reason: 'lazy' }] },
      /ignore\[0\]\.artifacts: "\*\*" would ignore whole packages/,
    ],
    ['malformed JSON', '{ "packages": [', /twinbuild\.config\.json: not valid JSON/],
  ];
  for (const [what, config, message] of cases) {
    it(`exit 2 naming the file and key for ${what}`, async () => {
      const root = await withConfig(config);
      const run = await runCli(['sweep', root]);
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(run.stderr).to.match(message);
      expect(run.stderr).to.not.match(/\n\s+at /);
    });
  }

  it('reports a known difference as ignored with its reason, counted apart, and passes the package', async () => {
    const root = await withConfig({
      defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
      packages: [{ glob: 'pkgs/*' }],
      ignore: [
        { artifacts: 'out/umask.txt', package: 'pkgs-one', reason: 'upstream bug #123: umask leaks into umask.txt' },
      ],
    });
    const run = await runCli(['sweep', root, '--no-bisect', '--vary=-all,+umask']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const result = await run.results();
    expect(result.summary).to.deep.include({ reproducible: 2, ignored: 1 });
    const one = result.packages.find((p) => p.name === 'pkgs-one')!;
    expect(one.artifacts[0]).to.deep.include({
      path: 'out/umask.txt',
      status: 'differs',
      ignored: { reason: 'upstream bug #123: umask leaks into umask.txt' },
    });
    expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.include(
      'ignored known difference (differs): upstream bug #123',
    );
    expect(await readFile(join(run.out, 'index.html'), 'utf8')).to.include('ignored: upstream bug #123');
  });

  it('--changed-since checks only packages with changed files, and those whose config entry changed', async () => {
    const root = await withConfig({
      defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
      packages: [{ glob: 'pkgs/*' }],
    });
    await genericPackage(root, 'pkgs/three', REPRODUCIBLE);
    const git = (...args: string[]) =>
      realProcesses.capture(['git', '-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
      ['commit', '-q', '-m', 'start'],
    ])
      expect((await git(...args)).exitCode).to.equal(0);
    const base = (await git('rev-parse', 'HEAD')).stdout.trim();
    await writeFiles(root, { 'pkgs/two/NEWS': 'changed\n' });
    let run = await runCli(['sweep', root, '--no-bisect', '--vary=-all,+umask', '--changed-since', base, '--quiet']);
    expect((await run.results()).packages.map((p) => p.name)).to.deep.equal(['pkgs-two']);
    // Giving pkgs-three a config entry of its own changes its recipe.
    await writeFiles(root, {
      'twinbuild.config.json': JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
        packages: [{ glob: 'pkgs/[ot]*o' }, { path: 'pkgs/three', timeout: '1m' }],
      }),
    });
    run = await runCli(['sweep', root, '--no-bisect', '--vary=-all,+umask', '--changed-since', base, '--quiet']);
    expect((await run.results()).packages.map((p) => p.name).sort()).to.deep.equal(['pkgs-three', 'pkgs-two']);
    const bad = await runCli(['sweep', root, '--changed-since', 'no-such-rev']);
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.match(/"no-such-rev" is not a git revision/);
  });
});
