// A stock RPM spec (test/fixtures/rpm/tinyhello, plain rpmbuild, no reproducibility
// macros) checked for real with the rpm preset: on every run the header's BUILDTIME
// is the build time with the catalogue's fix (the RPM macros), its evidence is
// time's, and no view calls the package merely nondeterministic, although the
// rebuild with nothing varied moves too (the payload's real mtimes, the clock).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadCatalogue } from '../../engine/explain/catalogue.js';
import { artifactCause, artifactEvidence, causeSummary } from '../../reports/cause.js';
import { cleanupTemp, onPath, requireOrSkip, runCli } from '../helpers.js';
import { TINYHELLO, TINYHELLO_RPM as RPM } from '../suites/rpm-fixtures.js';

const RUNS = 2;

describe('diagnosis: a stock RPM spec is the build time, on every run', function () {
  this.timeout(900_000);
  after(cleanupTemp);
  before(async function () {
    for (const tool of ['rpmbuild', 'diffoscope', 'faketime'])
      requireOrSkip(this, Boolean(await onPath(tool)), `${tool} is not installed`);
  });

  it(`names RPM header BUILDTIME with the macros to set, ${RUNS} runs of check --preset rpm`, async () => {
    const buildtime = (await loadCatalogue()).find((t) => t.id === 'rpm_buildtime')!;
    expect(buildtime.fix).to.include('%use_source_date_epoch_as_buildtime 1');
    for (let i = 1; i <= RUNS; i++) {
      const run = await runCli(['check', TINYHELLO, '--preset', 'rpm', '--quiet'], { timeoutMs: 600_000 });
      const at = `run ${i}: ${run.stdout}`;
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.verdict, at).to.equal('unreproducible');
      const d = pkg.diagnoses.find((x) => x.type === 'rpm_buildtime');
      expect(d, `${at}: ${JSON.stringify(pkg.diagnoses)}`).to.not.equal(undefined);
      expect([d!.fix, d!.link, d!.artifacts], at).to.deep.equal([buildtime.fix, buildtime.link, [RPM]]);
      expect(d!.basis, at).to.be.oneOf(['clock', 'confirmed']);
      const lines = d!.evidence.flatMap((e) => [...e.removed, ...e.added]);
      expect(
        lines.filter((l) => /BUILDTIME: \d{10}$/.test(l)),
        at,
      ).to.have.length(2);
      // The payload's mtimes and BUILDTIME are the one issue: no separate tar or text-date type.
      expect(
        pkg.diagnoses.map((x) => x.type),
        at,
      ).to.not.include.members(['timestamps_in_tar', 'build_date_in_text']);

      // Every view blames the clock, never "nondeterministic … no variation is blamed".
      expect(causeSummary(pkg), at).to.match(/^(records the build time \(|caused by .*time)/);
      expect(artifactCause(pkg, RPM), at).to.match(/^(the build time|caused by .*time)/);
      expect(
        artifactEvidence(pkg, RPM).find((e) => e.startsWith('time: ')),
        at,
      ).to.match(/epoch seconds/);
      expect(artifactEvidence(pkg, RPM).join('\n'), at).to.not.include('ruled out');
      expect(run.stdout, at).to.include(`→ RPM header BUILDTIME: ${buildtime.fix} (${buildtime.link})`);
      expect(run.stdout, at).to.not.include('no variation is blamed');
      const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
      expect(junit, at).to.include('→ RPM header BUILDTIME: Define `%source_date_epoch_from_changelog 1`');
    }
  });
});
