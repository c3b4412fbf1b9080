// Bisect with real builds: each culprit kind named exactly, independent culprits,
// an interaction, a nondeterministic build, and no probes when nothing differs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { expect } from 'chai';
import type { PackageResult } from '../../../reports/model.js';
import { check, cleanupTemp, fixture } from '../../helpers.js';
import { LEAKS } from '../../variations/leaks.test.js';

const culpritsOf = (pkg: PackageResult) =>
  pkg.culprits.map((c) => ({ variations: c.variations, artifacts: c.artifacts }));

async function bisected(script: string, ...extra: string[]) {
  const run = await check(await fixture(script), ...extra);
  expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
  return { run, pkg: (await run.results()).packages[0]! };
}

describe('bisect: which variations cause a difference (real builds)', function () {
  after(cleanupTemp);

  describe('names each kind of culprit among all 18 variations', function () {
    for (const leak of LEAKS) {
      it(leak.variation, async () => {
        const source = await fixture(`${leak.script}\necho same > out/same.txt`, leak.files);
        const run = await check(source, '--vary=+all');
        expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
        const pkg = (await run.results()).packages[0]!;
        expect(culpritsOf(pkg)).to.deep.equal([{ variations: [leak.variation], artifacts: [leak.artifact] }]);
        expect(pkg.nondeterministic).to.equal(false);
        expect(pkg.bisect.status).to.equal('done');
        const confirming = pkg.bisect.probes.find((p) => p.id === pkg.culprits[0]!.probe);
        expect(confirming, 'a probe that varied exactly the culprit').to.deep.include({
          variations: [leak.variation],
          status: 'differs',
          differing: [leak.artifact],
        });
        // Not flapping: a rebuild reproduced the control, with nothing varied or as the complement (all but the suspects).
        const varied = pkg.variations.filter((v) => v.status === 'varied').length;
        const rebuilt = pkg.bisect.probes.filter(
          (p) => p.status === 'same' && (p.variations.length === 0 || p.variations.length >= varied - 3),
        );
        expect(rebuilt.length, JSON.stringify(pkg.bisect.probes)).to.be.greaterThan(0);
        expect(pkg.bisect.probes.filter((p) => p.id === 'none' && p.status !== 'same')).to.deep.equal([]);
      });
    }
  });

  it('names two independent culprits, each with the files it changes, on every report', async () => {
    // The build logs the CPUs it may use, to check that probes building at once do not share one.
    const script =
      'grep Cpus_allowed_list /proc/self/status\ndate -u +%Y-%m-%d > ' +
      'out/date.txt\numask > out/umask.txt\n{ date -u +%Y-%m-%d; umask; } > ' +
      'out/both.txt\necho same > out/same.txt';
    const { run, pkg } = await bisected(script, '--jobs', '2');
    expect(culpritsOf(pkg)).to.deep.equal([
      { variations: ['time'], artifacts: ['out/both.txt', 'out/date.txt'] },
      { variations: ['umask'], artifacts: ['out/both.txt', 'out/umask.txt'] },
    ]);
    expect(run.stdout).to.include(
      'caused by time (changes out/both.txt, out/date.txt); umask (changes out/both.txt, out/umask.txt)',
    );
    const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
    expect(junit).to.include('message="differs: out/umask.txt (caused by umask)');
    expect(junit).to.include('message="differs: out/both.txt (caused by time; umask)');
    // diffoscope runs on a culprit's probe only where it built other bytes than the experiment.
    const umask = pkg.culprits.find((c) => c.variations[0] === 'umask')!;
    expect(umask.sameAsExperiment).to.deep.equal(['out/umask.txt']);
    expect(umask.diffoscope.map((d) => [d.artifact, d.status])).to.deep.equal([['out/both.txt', 'differences']]);
    const text = await readFile(join(run.out, umask.diffoscope[0]!.text!), 'utf8');
    expect(text).to.match(/-0022\n\+0002/);
    expect(text, 'only umask varied in that probe: the date is the same').to.not.match(/^[-+]\d{4}-\d\d-\d\d$/m);
    // No more than --jobs probes ever build at once.
    const probes = pkg.bisect.probes;
    for (const p of probes) {
      const running = probes.filter((q) => q.startMs <= p.startMs && p.startMs < q.startMs + q.durationMs);
      expect(running.length, `probes building when ${p.id} started`).to.be.at.most(2);
    }
    // num_cpus is pinned here: one CPU each, but two probes building at once get different ones.
    if (availableParallelism() >= 2) {
      const cpusOf = async (id: string) =>
        (await readFile(join(run.out, 'logs', pkg.name, `probe-${id}.log`), 'utf8')).match(
          /Cpus_allowed_list:\s*(\S+)/,
        )![1];
      const overlapping = probes.flatMap((p) =>
        probes
          .filter((q) => q.id > p.id && q.startMs < p.startMs + p.durationMs && p.startMs < q.startMs + q.durationMs)
          .map((q) => [p, q] as const),
      );
      expect(overlapping.length, 'two probes built at once').to.be.greaterThan(0);
      for (const [p, q] of overlapping)
        expect(await cpusOf(p.id), `${p.id} and ${q.id}`).to.not.equal(await cpusOf(q.id));
    }
  });

  it('finds an interaction: a stamp that differs only when time and timezone vary together', async () => {
    // A release script that stamps the (faked) date only on builds away from its home time zone.
    const script = [
      'case "${TZ:-}" in GMT+12) where=home ;; *) where=away ;; esac',
      'day=$(date -u +%F)',
      'if [ "$where" = away ] && [ "$day" != 2024-01-01 ]; then echo "$day" > out/stamp; else echo undated > out/stamp; fi',
    ].join('\n');
    const { pkg } = await bisected(script);
    expect(culpritsOf(pkg)).to.deep.equal([{ variations: ['time', 'timezone'], artifacts: ['out/stamp'] }]);
    const single = (name: string) =>
      pkg.bisect.probes.filter((p) => p.variations.length === 1 && p.variations[0] === name);
    for (const name of ['time', 'timezone']) {
      for (const p of single(name)) expect(p.status, `${name} alone`).to.equal('same');
    }
  });

  it('calls a build that differs with nothing varied nondeterministic, and blames no variation', async () => {
    const { run, pkg } = await bisected('head -c 32 /dev/urandom > out/random.bin\necho same > out/same.txt');
    expect(pkg.nondeterministic).to.equal(true);
    expect(pkg.bisect.status).to.equal('nondeterministic');
    expect(pkg.bisect.flapping).to.deep.equal(['out/random.bin']);
    expect(pkg.culprits).to.deep.equal([]);
    expect(run.stdout).to.include('nondeterministic: differs even with nothing varied (flapping: out/random.bin)');
  });

  it('runs no probe for a reproducible build, nor with --no-bisect', async () => {
    const quiet = await check(await fixture('echo same > out/same.txt'));
    expect(quiet.exitCode).to.equal(0);
    expect((await quiet.results()).packages[0]!.bisect).to.deep.include({
      status: 'not-run',
      probes: [],
      reason: 'no difference to explain',
    });
    const { pkg } = await bisected('umask > out/umask.txt', '--no-bisect');
    expect(pkg.bisect).to.deep.include({ status: 'not-run', probes: [], reason: '--no-bisect' });
    expect(pkg.culprits).to.deep.equal([]);
  });

  it('probes only what --vary varies', async () => {
    const { pkg } = await bisected(
      'umask > out/umask.txt\necho "$HOME" > out/home.txt',
      '--vary=-all,+umask,+time,+locales',
    );
    expect(culpritsOf(pkg)).to.deep.equal([{ variations: ['umask'], artifacts: ['out/umask.txt'] }]);
    for (const p of pkg.bisect.probes) expect(['umask', 'time', 'locales']).to.include.members([...p.variations]);
  });

  it('bisects one probe at a time where builds run one after the other', async () => {
    const { pkg } = await bisected('umask > out/umask.txt\necho "$HOME" > out/home.txt', '--isolation', 'sequential');
    expect(pkg.isolation).to.equal('sequential');
    expect(culpritsOf(pkg)).to.deep.equal([
      { variations: ['home'], artifacts: ['out/home.txt'] },
      { variations: ['umask'], artifacts: ['out/umask.txt'] },
    ]);
    const sorted = [...pkg.bisect.probes].sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i]!.startMs).to.be.at.least(sorted[i - 1]!.startMs + sorted[i - 1]!.durationMs);
  });
});
