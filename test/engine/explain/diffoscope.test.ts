// diffoscope on differing artifacts: a real report, a timeout that is an error, and the fallback.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, cleanupTemp, fixture, requireOrSkip, toolFarm, runCli, onPath } from '../../helpers.js';

// A tar whose only difference is the mtime recorded for its one member: the
// member is touched with the (faked) clock, the time variation shifts it.
const TAR_MTIME =
  'echo same > member.txt\ntouch -d "$(date -u +%Y-%m-%dT%H:%M:%S)" member.txt\n' +
  'tar --owner=0 --group=0 --numeric-owner --mode=u=rw,go=r -cf out/pkg.tar member.txt';

describe('check: diffoscope', function () {
  after(cleanupTemp);

  it('explains a tar that differs only in an embedded mtime, naming the dates on its page', async function () {
    requireOrSkip(this, (await onPath('diffoscope')) !== undefined, 'diffoscope not installed (diffoscope-minimal)');
    const run = await check(await fixture(TAR_MTIME), '--vary=-all,+time', '--seed', '5');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    const diff = pkg.diffoscope.find((d) => d.artifact === 'out/pkg.tar')!;
    expect(diff).to.include({ tool: 'diffoscope', status: 'differences' });
    // The page names the field (the HTML highlights changed characters, splitting the dates).
    expect(await readFile(join(run.out, diff.html!), 'utf8')).to.include('file list');
    const text = await readFile(join(run.out, diff.text!), 'utf8');
    const control = pkg.builds.control!.values['time']!.slice(0, 7);
    const experiment = pkg.builds.experiment!.values['time']!.slice(0, 7);
    const line = (sign: string, month: string) =>
      text.split('\n').some((l) => l.includes(`│ ${sign}`) && l.includes(` ${month}-`) && l.includes('member.txt'));
    expect(line('-', control), `control line with ${control} in:\n${text}`).to.equal(true);
    expect(line('+', experiment), `experiment line with ${experiment} in:\n${text}`).to.equal(true);
    expect(run.stdout).to.include(`diffoscope: ${run.out}/${diff.html}`);
  });

  it('reports a diffoscope timeout as an error (exit 3), never as "same"', async function () {
    requireOrSkip(this, (await onPath('diffoscope')) !== undefined, 'diffoscope not installed (diffoscope-minimal)');
    const run = await check(await fixture('date +%N > out/a.txt'), '--diffoscope-timeout', '1ms');
    expect(run.exitCode).to.equal(3);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.error?.code).to.equal('diffoscope-failed');
    expect(pkg.diffoscope[0]).to.include({ status: 'error' });
    expect(pkg.diffoscope[0]!.message).to.match(/timed out/);
    expect(pkg.artifacts[0]!.status).to.equal('differs');
  });

  it('without diffoscope, shows a unified diff for text and says diffoscope was absent', async () => {
    const path = await toolFarm(['diffoscope']);
    const source = await fixture('echo "built at $(date +%N)" > out/a.txt');
    const run = await runCli(['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet'], {
      env: { PATH: path },
    });
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const diff = (await run.results()).packages[0]!.diffoscope[0]!;
    expect(diff).to.include({ tool: 'builtin', status: 'differences', html: null });
    expect(diff.message).to.match(/diffoscope not found/);
    const text = await readFile(join(run.out, diff.text!), 'utf8');
    expect(text).to.match(/^-built at \d+$/m);
    expect(text).to.match(/^\+built at \d+$/m);
    expect(run.stdout).to.match(/note: diffoscope not found/);
  });

  it('--no-diffoscope only lists the differing files', async () => {
    const run = await check(await fixture('date +%N > out/a.txt'), '--no-diffoscope');
    expect(run.exitCode).to.equal(1);
    expect((await run.results()).packages[0]!.diffoscope).to.deep.equal([]);
    expect(existsSync(join(run.out, 'diffoscope'))).to.equal(false);
  });
});
