import { expect } from 'chai';
import { cleanupTemp, requireOrSkip, runCli, toolFarm } from '../../helpers.js';

describe('twinbuild doctor', function () {
  after(cleanupTemp);

  it('exits 0 and says so when everything is available (as in CI)', async function () {
    const run = await runCli(['doctor'], { withOut: false });
    requireOrSkip(this, run.exitCode === 0, `not everything is available on this machine:\n${run.stdout}`);
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.stdout).to.match(/doctor: everything twinbuild can vary is available here/);
  });

  it('exits 3 when tools are missing, naming them, their packages and the variations they cost', async () => {
    const path = await toolFarm(['disorderfs', 'faketime']);
    const run = await runCli(['doctor'], { withOut: false, env: { PATH: path } });
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(/MISSING disorderfs +\(Debian package disorderfs\)/);
    expect(run.stdout).to.match(/SKIPPED time +faketime not found \(Debian package faketime\)/);
    expect(run.stdout).to.match(/SKIPPED fileordering/);
    expect(run.stdout).to.match(/apt-get install -y --no-install-recommends (faketime disorderfs|disorderfs faketime)/);
  });
});
