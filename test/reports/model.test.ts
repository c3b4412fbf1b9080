// The result model keeps one shape whatever the verdict (every key present,
// null where it does not apply), and results.json files of the earlier schema
// (@1, optional keys left out) are still read by report merge and --baseline.
import { expect } from 'chai';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../../reports/model.js';
import { check, cleanupTemp, EXAMPLES, fixture, runCli, tempDir } from '../helpers.js';

const RUN_KEYS = [
  'baseline',
  'command',
  'exitCode',
  'finishedAt',
  'host',
  'incomplete',
  'nothingChecked',
  'packages',
  'schema',
  'seed',
  'shard',
  'startedAt',
  'summary',
  'tool',
];
const PACKAGE_KEYS = [
  'artifactSummary',
  'artifacts',
  'bisect',
  'buildPath',
  'builds',
  'culprits',
  'diagnoses',
  'diffoscope',
  'error',
  'isolation',
  'knownDifferences',
  'name',
  'nondeterministic',
  'notCopied',
  'phaseStarts',
  'recipe',
  'ruledOut',
  'source',
  'timings',
  'unclassified',
  'variations',
  'verdict',
  'verify',
];
const ARTIFACT_KEYS = ['escapedName', 'ignored', 'kind', 'linkTarget', 'node', 'path', 'sha256', 'size', 'status'];

const keys = (o: object) => Object.keys(o).sort();

/** An @1 file as the previous release wrote it: the optional keys left out where they did not apply. */
function asSchemaV1(result: RunResult): unknown {
  const drop = <T extends object>(o: T, names: string[]) =>
    Object.fromEntries(Object.entries(o).filter(([k, v]) => !(names.includes(k) && (v === null || v === false))));
  return {
    ...drop(result, ['shard', 'baseline', 'incomplete', 'nothingChecked']),
    schema: 'twinbuild/results@1',
    packages: result.packages.map((p) => ({
      ...drop(p, ['verify', 'knownDifferences']),
      artifacts: p.artifacts.map((a) => drop(a, ['linkTarget', 'escapedName', 'node', 'ignored'])),
    })),
  };
}

describe('reports: one model shape', function () {
  this.timeout(180_000);
  after(cleanupTemp);

  it('has every key, whatever the verdict: reproducible, unreproducible and error', async () => {
    const broken = await fixture('echo nope >&2; exit 7');
    const runs = await Promise.all([
      check(join(EXAMPLES, 'reproducible'), '--no-bisect'),
      check(join(EXAMPLES, 'leaks-date'), '--no-bisect', '--no-diffoscope'),
      check(broken),
    ]);
    expect(runs.map((r) => r.exitCode)).to.deep.equal([0, 1, 3]);
    for (const run of runs) {
      const result = await run.results();
      expect(keys(result), run.stderr).to.deep.equal(RUN_KEYS);
      expect(result.schema).to.equal('twinbuild/results@3');
      for (const pkg of result.packages) {
        expect(keys(pkg)).to.deep.equal(PACKAGE_KEYS);
        expect(pkg.verify).to.equal(null);
        for (const a of pkg.artifacts) expect(keys(a)).to.deep.equal(ARTIFACT_KEYS);
      }
    }
    const [, leaky, failed] = await Promise.all(runs.map((r) => r.results()));
    expect(
      leaky!.packages[0]!.artifacts.some((a) => a.status === 'differs' && a.linkTarget === null && a.ignored === null),
    ).to.equal(true);
    expect(failed!.packages[0]!.error?.code).to.equal('build-failed');
  });

  it('report merge and --baseline read an @1 results.json as well as @3', async () => {
    const leaky = await check(join(EXAMPLES, 'leaks-date'), '--no-bisect', '--no-diffoscope');
    expect(leaky.exitCode).to.equal(1);
    const old = join(await tempDir(), 'shard-1');
    await mkdir(old, { recursive: true });
    await writeFile(join(old, 'results.json'), JSON.stringify(asSchemaV1(await leaky.results())));

    const merged = await runCli(['report', 'merge', old]);
    expect(merged.exitCode, merged.stderr).to.equal(1);
    const result = JSON.parse(await readFile(join(merged.out, 'results.json'), 'utf8')) as RunResult;
    expect(result.schema).to.equal('twinbuild/results@3');
    expect(keys(result)).to.deep.equal(RUN_KEYS);
    expect(keys(result.packages[0]!.artifacts[0]!)).to.deep.equal(ARTIFACT_KEYS);

    // As a baseline: the package was unreproducible there, so still broken now is no regression.
    const root = join(await tempDir(), 'repo');
    await mkdir(join(root, 'leaks-date'), { recursive: true });
    await writeFile(
      join(root, 'leaks-date', 'build.sh'),
      await readFile(join(EXAMPLES, 'leaks-date', 'build.sh'), 'utf8'),
    );
    await writeFile(
      join(root, 'twinbuild.config.json'),
      JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
        packages: [{ path: 'leaks-date', name: 'leaks-date' }],
      }),
    );
    const swept = await runCli([
      'sweep',
      root,
      '--baseline',
      join(old, 'results.json'),
      '--no-bisect',
      '--no-diffoscope',
      '--quiet',
    ]);
    expect(swept.exitCode, swept.stdout + swept.stderr).to.equal(0);
    expect((await swept.results()).baseline?.stillBroken).to.deep.equal(['leaks-date']);
  });

  it("reads an @2 file written before recipes kept the user's words, and still prints a reproduce command", async () => {
    const run = await check(join(EXAMPLES, 'leaks-date'), '--no-bisect', '--no-diffoscope', '--vary=-all,+time');
    expect(run.exitCode).to.equal(1);
    const written = await run.results();
    expect(written.packages[0]!.recipe!.rerun).to.include('--vary=-all,+time');
    const { rerun: _rerun, ...recipe } = written.packages[0]!.recipe!;
    const older = join(await tempDir(), 'older');
    await mkdir(older, { recursive: true });
    await writeFile(
      join(older, 'results.json'),
      JSON.stringify({ ...written, packages: [{ ...written.packages[0]!, recipe }] }),
    );
    const merged = await runCli(['report', 'merge', older]);
    expect(merged.exitCode, merged.stderr).to.equal(1);
    const result = JSON.parse(await readFile(join(merged.out, 'results.json'), 'utf8')) as RunResult;
    expect(result.packages[0]!.recipe!.rerun).to.equal(null);
    // Rebuilt from the recipe, as before.
    // The command's words are inline blocks (so it wraps between them): read its text.
    const page = (await readFile(join(merged.out, 'index.html'), 'utf8')).replace(/<\/?span>/g, '');
    expect(page).to.include(
      `--build &#39;sh build.sh&#39; --artifacts &#39;out/**&#39; --vary=-all,+time --seed ${written.seed}`,
    );
  });

  it('refuses a file of another schema with a clear message (exit 2)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'results.json'), JSON.stringify({ schema: 'something/else@9' }));
    const run = await runCli(['report', 'merge', dir]);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(
      /is not a twinbuild results file \(expected "schema": "twinbuild\/results@3", "twinbuild\/results@2" or "twinbuild\/results@1"\)/,
    );
  });
});
