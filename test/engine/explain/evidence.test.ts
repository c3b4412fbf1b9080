// Evidence on real diffoscope output (and on raw bytes without it) from the real
// leak fixtures, all in one build: each artifact's strongest suspect is the
// variation that leaked into it, wherever the leaked value shows; it is recorded
// in results.json and shown by the console, JUnit and HTML views.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { PackageResult } from '../../../reports/model.js';
import { check, cleanupTemp, fixture, requireOrSkip } from '../../helpers.js';
import { LEAKS } from '../../variations/leaks.test.js';
import { diffSides, scoreArtifact } from '../../../engine/explain/evidence.js';
import { chooseSuspects } from '../../../engine/bisect/suspects.js';
import { zoneShiftedReadings } from '../../../engine/explain/zone-shift.js';
import { findOnPath } from '../../../engine/prepare/availability.js';

// Leaks whose value (or its trace) is not in the output: ASLR's load address, the
// shell's echo, a fixed instant shown in another zone.
const INVISIBLE = ['aslr', 'shell', 'timezone'];

const allLeaks = async () => {
  const files = Object.assign({}, ...LEAKS.map((l) => l.files ?? {})) as Record<string, string>;
  return fixture(LEAKS.map((l) => l.script).join('\n'), files);
};

const strongest = (pkg: PackageResult, artifact: string) => {
  const suspects = pkg.bisect.evidence.find((e) => e.artifact === artifact)?.suspects ?? [];
  return suspects.filter((s) => s.score === suspects[0]?.score).map((s) => s.variation);
};

describe('evidence: what a difference shows (engine/explain/evidence.ts)', function () {
  after(cleanupTemp);
  let source: string;
  before(async () => {
    source = await allLeaks();
  });

  it("names the leaked variation as the strongest suspect of each artifact, from diffoscope's text", async function () {
    requireOrSkip(
      this,
      (await findOnPath('diffoscope', process.env['PATH'] ?? '')) !== undefined,
      'diffoscope is not installed',
    );
    const run = await check(source, '--vary=+all', '--no-bisect');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    for (const leak of LEAKS) {
      const evidence = pkg.bisect.evidence.find((e) => e.artifact === leak.artifact);
      expect(evidence?.source, leak.artifact).to.equal('diffoscope');
      if (INVISIBLE.includes(leak.variation)) continue;
      expect(strongest(pkg, leak.artifact), `${leak.artifact}: ${JSON.stringify(evidence)}`).to.include(leak.variation);
    }
    // Where the value is a marker or a path, nothing else ties with it.
    for (const [artifact, variation] of [
      ['out/pwd.txt', 'build_path'],
      ['out/home.txt', 'home'],
      ['out/tree.tar', 'umask'],
      ['out/list.txt', 'fileordering'],
      ['out/sorted.txt', 'locales'],
      ['out/env.txt', 'environment'],
    ]) {
      expect(strongest(pkg, artifact!), artifact).to.deep.equal([variation]);
    }
    const pwd = pkg.bisect.evidence.find((e) => e.artifact === 'out/pwd.txt')!.suspects[0]!;
    expect(pwd.summary).to.match(
      new RegExp(
        String.raw`^build_path: the experiment's path ….*second-build\/pkg appears 1 time in out\/pwd\.txt, ` +
          String.raw`the control's path .* on the control side$`,
      ),
    );
    const tar = pkg.bisect.evidence.find((e) => e.artifact === 'out/tree.tar')!.suspects[0]!;
    expect(tar.hits).to.deep.include({
      side: 'experiment',
      form: 'file mode in a listing',
      value: '-rw-rw-r--',
      count: 1,
    });
    // Every view shows it.
    expect(run.stdout).to.include(`evidence: ${pwd.summary}`);
    expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.include(`evidence: ${tar.summary}`);
    const html = await readFile(join(run.out, 'index.html'), 'utf8');
    expect(html).to.include('<h3>Evidence</h3>');
    expect(html).to.include('umask: the experiment&#39;s file mode in a listing -rw-rw-r--');
  });

  it('reads the raw bytes of the pair when diffoscope is off', async () => {
    const run = await check(source, '--vary=+all', '--no-bisect', '--no-diffoscope');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.bisect.evidence.find((e) => e.artifact === 'out/pwd.txt')?.source).to.equal('bytes');
    for (const [artifact, variation] of [
      ['out/pwd.txt', 'build_path'],
      ['out/tree.tar', 'umask'],
      ['out/host.txt', 'domain_host'],
      ['out/date.txt', 'time'],
      ['out/owner.txt', 'user_group'],
      ['out/list.txt', 'fileordering'],
    ]) {
      expect(strongest(pkg, artifact!), artifact).to.deep.equal([variation]);
    }
  });

  it("finds dates in the forms builds print them, in either side's time zone", async () => {
    // RFC 2822, date(1)'s default, epoch seconds and a year, each in the build's own zone.
    const run = await check(
      await fixture(
        'date -R > out/r.txt\ndate > out/d.txt\ndate +%s > out/s.txt\ndate +%Y > out/y.txt\ndate +%z > out/z.txt',
      ),
      '--vary=-all,+time,+timezone',
      '--no-bisect',
    );
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    const forms = (artifact: string, variation: string) =>
      (
        pkg.bisect.evidence.find((e) => e.artifact === artifact)?.suspects.find((s) => s.variation === variation)
          ?.hits ?? []
      ).map((h) => `${h.side} ${h.form}`);
    expect(forms('out/r.txt', 'time')).to.include.members([
      'control RFC 2822 date (GMT+12)',
      'experiment RFC 2822 date (GMT-14)',
    ]);
    expect(forms('out/d.txt', 'time')).to.include.members([
      'control date(1) / __DATE__ (GMT+12)',
      'experiment date(1) / __DATE__ (GMT-14)',
    ]);
    expect(forms('out/s.txt', 'time')).to.include.members(['control epoch seconds', 'experiment epoch seconds']);
    expect(forms('out/z.txt', 'timezone')).to.include.members(['control UTC offset', 'experiment UTC offset']);
    expect(strongest(pkg, 'out/z.txt')).to.deep.equal(['timezone']);
  });

  it("points at timezone when one instant is printed as local time on each side (the zones' difference apart), not at time", async () => {
    // A fixed instant in ISO and RFC 2822 forms: nothing in it is a value twinbuild set, only the shift between the zones.
    const run = await check(
      await fixture('date -d @86400 +%Y-%m-%dT%H:%M > out/day.txt\ndate -R -d @86400 > out/rfc.txt'),
      '--vary=-all,+time,+timezone',
      '--no-bisect',
    );
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    for (const artifact of ['out/day.txt', 'out/rfc.txt']) {
      expect(strongest(pkg, artifact), artifact).to.deep.equal(['timezone']);
      const suspects = pkg.bisect.evidence.find((e) => e.artifact === artifact)!.suspects;
      expect(
        suspects.map((s) => s.variation),
        `${artifact}: a fixed instant is no evidence of time`,
      ).to.not.include('time');
    }
    const zone = pkg.bisect.evidence.find((e) => e.artifact === 'out/day.txt')!.suspects[0]!;
    expect(zone.summary).to.equal(
      "timezone: 1 time in out/day.txt, the same instant read in each side's zone (the experiment's time +26 h from the control's)",
    );
    // The same two zones, but the clock moved too: dates a whole number of days apart plus 26 h are no zone shift.
    expect(zoneShiftedReadings('2024-01-01T12:00', '2025-03-05T14:00', 26 * 60)).to.equal(0);
    expect(zoneShiftedReadings('Thu, 01 Jan 1970 12:00:00 -1200', 'Fri, 02 Jan 1970 14:00:00 +1400', 26 * 60)).to.equal(
      1,
    );
  });

  it("GNU hello's year, compiled in and shown by objdump as a hex immediate, points at time and at timezone: each alone moves it", () => {
    // As diffoscope showed hello_2.10-3_amd64.deb: the control's clock (2024-01-01T00:00Z) is 2023 in its zone (GMT+12).
    const report = [
      '│ │ │ │ @@ -83,15 +83,15 @@',
      '│ │ │ │ -\tmov    $0x7e7,%edx',
      '│ │ │ │ +\tmov    $0x7e8,%edx',
    ].join('\n');
    const values = {
      control: { time: '2024-01-01T00:00:00.000Z', timezone: 'GMT+12', umask: '0022' },
      experiment: { time: '2024-12-17T05:11:04.000Z', timezone: 'GMT-14', umask: '0002' },
    };
    const suspects = scoreArtifact('hello_2.10-3_amd64.deb', diffSides(report), ['time', 'timezone', 'umask'], values);
    const top = suspects
      .filter((s) => s.score === suspects[0]!.score)
      .map((s) => s.variation)
      .sort();
    expect(top).to.deep.equal(['time', 'timezone']);
    expect(suspects.find((s) => s.variation === 'time')!.hits.map((h) => `${h.side} ${h.form}`)).to.include.members([
      'control year as a hex constant (GMT+12)',
      'experiment year as a hex constant (GMT+12)',
    ]);
    expect(suspects.find((s) => s.variation === 'timezone')!.hits.map((h) => `${h.side} ${h.form}`)).to.include.members(
      ["control year as a hex constant (the build's zone)", "experiment year as a hex constant (the build's zone)"],
    );
    // So the first probe round builds both alone, beside everything else (the complement).
    expect(
      chooseSuspects(
        [{ artifact: 'hello_2.10-3_amd64.deb', source: 'diffoscope', suspects }],
        ['time', 'timezone', 'umask'],
      ).sort(),
    ).to.deep.equal(['time', 'timezone']);
    // hello-dbgsym differs only in a build ID: no evidence of its own, and no guessed prior beside the evidence
    // (the complement probe covers it).
    const dbgsym = { artifact: 'hello-dbgsym_2.10-3_amd64.deb', source: 'diffoscope' as const, suspects: [] };
    expect(
      chooseSuspects(
        [dbgsym, { artifact: 'hello_2.10-3_amd64.deb', source: 'diffoscope', suspects }],
        ['build_path', 'time', 'timezone', 'umask'],
      ).sort(),
    ).to.deep.equal(['time', 'timezone']);
    // Two years on: the experiment's year (0x7e9) is 2025 in every zone, so only the control's year (2023 in
    // its own zone) points at timezone. A weaker suspect than time, but still probed alone in the first round.
    const later = { ...values, experiment: { ...values.experiment, time: '2025-03-17T05:11:04.000Z' } };
    const twoYears = scoreArtifact(
      'hello_2.10-3_amd64.deb',
      diffSides(report.replace('0x7e8', '0x7e9')),
      ['time', 'timezone', 'umask'],
      later,
    );
    expect(twoYears.map((s) => [s.variation, s.score])).to.deep.equal([
      ['time', 2],
      ['timezone', 1],
    ]);
    expect(
      chooseSuspects(
        [dbgsym, { artifact: 'hello_2.10-3_amd64.deb', source: 'diffoscope', suspects: twoYears }],
        ['build_path', 'time', 'timezone', 'umask'],
      ),
    ).to.deep.equal(['time', 'timezone']);
    // With no evidence anywhere, the prior leads.
    expect(chooseSuspects([dbgsym], ['umask', 'build_path', 'time'])).to.have.length(1);
  });

  it("decodes diffoscope's hex dumps, so a value split across two dump lines is found whole", () => {
    const report = [
      '--- control/pkg/out/env.txt',
      '+++ experiment/pkg/out/env.txt',
      '@@ -0,0 +1,2 @@',
      '+00000000: 5457 494e 4255 494c 445f 4341 5054 5552  TWINBUILD_CAPTUR',
      '+00000010: 455f 454e 5649 524f 4e4d 454e 540a       E_ENVIRONMENT.',
    ].join('\n');
    expect(diffSides(report).added).to.equal('TWINBUILD_CAPTURE_ENVIRONMENT\n');
    expect(diffSides(report).removed).to.equal('');
  });

  it('with --bisect-budget, reports suspects no probe confirmed as "suspected, not confirmed", never as culprits', async () => {
    // Two artifacts, two causes; a budget of 1 allows only the no-variation rebuild.
    const source2 = await fixture('pwd > out/pwd.txt\numask > out/umask.txt\necho same > out/same.txt');
    const run = await check(source2, '--vary=-all,+build_path,+umask,+time', '--bisect-budget', '1', '--no-diffoscope');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.bisect.probes.map((p) => p.id)).to.deep.equal(['none']);
    expect(pkg.culprits).to.deep.equal([]);
    expect(pkg.bisect.budget).to.equal(1);
    expect(pkg.bisect.unexplained).to.deep.equal(['out/pwd.txt', 'out/umask.txt']);
    expect(pkg.bisect.suspected.map((s) => [s.variation, s.artifacts])).to.deep.include([
      'build_path',
      ['out/pwd.txt'],
    ]);
    expect(run.stdout).to.match(
      /suspected, not confirmed \(--bisect-budget 1 ran out[^)]*\): build_path \(out\/pwd\.txt\)/,
    );
    expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.include('suspected, not confirmed');
    expect(await readFile(join(run.out, 'index.html'), 'utf8')).to.include('<h3>Suspected, not confirmed</h3>');
    const bad = await check(source2, '--bisect-budget', '0');
    expect(bad.exitCode).to.equal(2);
  });
});
