// Issue 19, item 16: the npm preset can skip lifecycle scripts, keeps npm's update
// notifier off the network, and keeps npm's debug log in the build log when npm fails.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { writeFiles } from './fixtures.js';

/** An npm package whose prepack script says what the notifier setting is, then fails with `prepackExit`. */
async function scriptedPackage(prepackExit: number): Promise<string> {
  const dir = join(await tempDir(), 'scripted');
  await writeFiles(dir, {
    'package.json': JSON.stringify(
      {
        name: 'scripted',
        version: '1.0.0',
        scripts: { prepack: `echo "notifier=$npm_config_update_notifier" >&2; exit ${prepackExit}` },
      },
      null,
      2,
    ),
    'index.js': 'module.exports = 1;\n',
  });
  return dir;
}

const controlLog = async (out: string) => readFile(join(out, 'logs', 'scripted', 'control.log'), 'utf8');

describe('npm preset: scripts, update notifier, debug log (issue 19, item 16)', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it("a failing lifecycle script: exit 3, npm's debug log copied into the kept build log, notifier off during the build", async () => {
    const run = await runCli(['check', await scriptedPackage(7), '--quiet', '--vary=-all,+umask']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(3);
    const log = await controlLog(run.out);
    expect(log).to.contain('notifier=false');
    expect(log).to.contain("twinbuild: npm's debug log");
    // The copied debug log is npm's own: its verbose lines name the failing script.
    expect(log).to.match(/verbose .*prepack|verbose stack/);
  });

  it('--ignore-scripts: the same package packs, its prepack script never runs', async () => {
    const run = await runCli(['check', await scriptedPackage(7), '--quiet', '--vary=-all,+umask', '--ignore-scripts']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    expect((await run.results()).packages[0]!.artifacts.map((a) => a.path)).to.deep.equal(['scripted-1.0.0.tgz']);
    expect(await controlLog(run.out)).not.to.contain('notifier=');
  });

  it('--ignore-scripts with another preset or with --build is exit 2', async () => {
    const run = await runCli([
      'check',
      await scriptedPackage(0),
      '--build',
      'true',
      '--artifacts',
      'x',
      '--ignore-scripts',
    ]);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.contain('--ignore-scripts applies to the npm preset');
  });
});
