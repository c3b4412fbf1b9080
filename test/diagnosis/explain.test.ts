// `twinbuild explain RESULTS.json` re-diagnoses an earlier run without rebuilding
// (also from an @2 results.json whose run kept no JSON report); a user's own issue
// types join the catalogue; evidence for a variation a probe ruled out says so.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { check, cleanupTemp, fixture, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { findOnPath } from '../../engine/prepare/availability.js';

const haveDiffoscope = async () => (await findOnPath('diffoscope', process.env['PATH'] ?? '')) !== undefined;

const GZIP = 'echo hello > g.txt; touch -d "@$(date +%s)" g.txt; gzip -c g.txt > out/f.gz';
const TOKEN = 'echo "token $(date +%s%N | sha256sum | cut -c1-16)" > out/token.txt';

describe('explain: diagnose an earlier run again (cli/commands/explain.ts)', function () {
  this.timeout(600_000);
  after(cleanupTemp);

  it('re-diagnoses a run, also an @2 one with only text reports, and adds the user types', async function () {
    requireOrSkip(this, await haveDiffoscope(), 'diffoscope is not installed');
    const source = await fixture(`${GZIP}\n${TOKEN}`);
    const run = await check(source, '--vary=-all,+time', '--no-bisect');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const results = join(run.out, 'results.json');
    const original = await run.results();
    const pkg = original.packages[0]!;
    expect(pkg.diagnoses.map((d) => d.type)).to.deep.equal(['timestamps_in_gzip_headers']);
    expect(pkg.unclassified).to.deep.equal([
      { artifact: 'out/token.txt', reason: 'no known issue type matches this difference' },
    ]);
    expect(run.stdout).to.include('→ unclassified: out/token.txt (no known issue type matches this difference)');

    const again = await runCli(['explain', results], { withOut: false });
    expect(again.exitCode, again.stderr).to.equal(0);
    expect(again.stdout).to.include('→ timestamps in gzip headers: gzip stores');

    // As an older twinbuild wrote it: schema @2, no diagnosis, no JSON report kept.
    const old = {
      ...original,
      schema: 'twinbuild/results@2',
      packages: original.packages.map(({ diagnoses: _d, unclassified: _u, ruledOut: _r, ...p }) => ({
        ...p,
        diffoscope: p.diffoscope.map(({ json: _j, ...d }) => d),
      })),
    };
    await writeFile(results, JSON.stringify(old));
    for (const d of pkg.diffoscope) if (d.json) await rm(join(run.out, d.json));
    const fromText = await runCli(['explain', results, '--json'], { withOut: false });
    expect(fromText.exitCode, fromText.stderr).to.equal(0);
    const reread = JSON.parse(fromText.stdout) as typeof original;
    expect(reread.schema).to.equal('twinbuild/results@3');
    expect(reread.packages[0]!.diagnoses.map((d) => [d.type, d.artifacts])).to.deep.equal([
      ['timestamps_in_gzip_headers', ['out/f.gz']],
    ]);

    // The user's own type explains what twinbuild's catalogue does not.
    const mine = join(await tempDir(), 'types.json');
    await writeFile(
      mine,
      JSON.stringify({
        types: [
          {
            id: 'random_token',
            title: 'a random token written at build time',
            variations: [],
            match: [{ line: '^token (?<value>[0-9a-f]+)$', differs: ['value'] }],
            fix: 'Derive the token from the source (a hash of it), not from the clock.',
            link: 'https://reproducible-builds.org/docs/randomness/',
          },
        ],
      }),
    );
    const withMine = await runCli(['explain', results, '--issue-types', mine], { withOut: false });
    expect(withMine.exitCode, withMine.stderr).to.equal(0);
    expect(withMine.stdout).to.include('→ a random token written at build time: Derive the token');
    expect(withMine.stdout).not.to.include('→ unclassified');

    // A bad types file is one line and exit 2.
    await writeFile(mine, JSON.stringify({ types: [{ id: 'x', title: 'x', variations: [], match: [{ line: '(' }] }] }));
    const bad = await runCli(['explain', results, '--issue-types', mine], { withOut: false });
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect(bad.stderr).to.match(/types\[0\]: missing key "fix"|not a regular expression/);
  });

  it('refuses a file that is not a results file with one line (exit 2)', async () => {
    const file = join(await tempDir(), 'x.json');
    await writeFile(file, '{"schema":"nope"}');
    const run = await runCli(['explain', file], { withOut: false });
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/is not a twinbuild results file/);
  });

  it('says which probe ruled out the evidence of a variation, and claims only the confirmed type', async function () {
    requireOrSkip(this, await haveDiffoscope(), 'diffoscope is not installed');
    const source = await fixture(`printf 'zeta\\nalpha\\nBeta\\ngamma\\nDelta\\n' | sort > out/sorted.txt`);
    const run = await check(source, '--vary=-all,+locales,+fileordering');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.diagnoses.map((d) => [d.type, d.basis])).to.deep.equal([['locale_dependent_order', 'confirmed']]);
    // Evidence first: each suspect is probed alone, so fileordering's own probe rules it out.
    const probe = pkg.bisect.probes.find((p) => p.variations.join() === 'fileordering');
    expect(probe?.status, JSON.stringify(pkg.bisect.probes)).to.equal('same');
    expect(run.stdout).to.include(
      `fileordering: ordering differences only in out/sorted.txt (ruled out: probe ${probe!.id} varied fileordering`,
    );
    expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.include(`ruled out: probe ${probe!.id}`);
    expect(pkg.ruledOut).to.deep.equal([
      {
        type: 'random_order_in_generated_list',
        title: 'a generated list in directory order',
        artifact: 'out/sorted.txt',
        variations: ['fileordering'],
        probe: probe!.id,
      },
    ]);
  });
});
