// doctor's rpm preset section: the real rpmbuild, rpm2archive, rpm2cpio and the
// python3-rpm binding diffoscope imports, reported without changing the exit code.
import { expect } from 'chai';
import { realProcesses } from '../../../adapters/process.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, toolFarm } from '../../helpers.js';

const section = (stdout: string) => /^rpm preset \(optional[^\n]*\n((?: {2}[^\n]*\n)*)/m.exec(stdout)?.[1] ?? '';

describe('twinbuild doctor: the rpm preset tools', function () {
  after(cleanupTemp);

  it("reports each RPM tool where it is, and python3-rpm as /usr/bin/python3 (diffoscope's interpreter) sees it", async function () {
    requireOrSkip(
      this,
      Boolean(await onPath('rpmbuild')) && Boolean(await onPath('diffoscope')),
      'rpmbuild and diffoscope are needed',
    );
    const binding = (await realProcesses.capture(['/usr/bin/python3', '-c', 'import rpm'])).exitCode === 0;
    const run = await runCli(['doctor'], { withOut: false });
    const lines = section(run.stdout);
    for (const tool of ['rpmbuild', 'rpm2archive', 'rpm2cpio'])
      expect(lines).to.match(new RegExp(`ok {6}${tool} +${await onPath(tool)}`));
    expect(lines).to.match(binding ? /ok {6}python3-rpm +diffoscope compares RPM headers/ : /absent {2}python3-rpm/);
  });

  it('a machine without rpmbuild and rpm2archive: named with their packages, and doctor exits as it does with them', async () => {
    const withTools = await runCli(['doctor'], { withOut: false });
    const path = await toolFarm(['rpmbuild', 'rpm2archive']);
    const run = await runCli(['doctor'], { withOut: false, env: { PATH: path } });
    const lines = section(run.stdout);
    expect(lines).to.match(/absent {2}rpmbuild +\(Debian package rpm\)/);
    expect(lines).to.match(/absent {2}rpm2archive +\(Debian package rpm2cpio\)/);
    expect(lines).to.match(/for RPM packages, as root: apt-get install -y --no-install-recommends rpm rpm2cpio/);
    expect(run.stdout).to.not.match(/MISSING rpm/);
    expect(run.exitCode).to.equal(withTools.exitCode);
  });
});
