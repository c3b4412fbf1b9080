// A build killed before its effectiveness probe ran (a 1 ms --timeout) saw nothing:
// exit 3, the timeout named, and the unjudged variations said once, not as one
// "could not be observed" line (and one skipped variation) each.
import { expect } from 'chai';
import { join } from 'node:path';
import { cleanupTemp, EXAMPLES, runCli } from '../helpers.js';

describe('check: a build that stops before its probe', function () {
  after(cleanupTemp);

  it('exits 3 and says once that the variations were not judged', async () => {
    const source = join(EXAMPLES, 'reproducible');
    const run = await runCli(['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--timeout', '1ms']);
    expect(run.exitCode, run.stderr).to.equal(3);
    expect(run.stdout + run.stderr).to.match(/build timed out/);
    expect(run.stderr).to.not.match(/could not be observed|skipped: not effective/);
    const notes = run.stderr.split('\n').filter((l) => /probe ran/.test(l));
    expect(notes).to.deep.equal([
      'twinbuild: a build stopped before its probe ran, so whether its 18 variations took effect is not known',
    ]);
    const results = await run.results();
    const pkg = results.packages[0]!;
    expect(pkg.verdict).to.equal('error');
    expect(pkg.variations.map((v) => v.reason ?? '').join('\n')).to.not.match(/could not be observed/);
  });
});
