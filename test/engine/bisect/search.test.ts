// The search itself (engine/bisect/search.ts), against a known answer: the probe is
// a pure function of the variation set, so every culprit and count is exact.
import { expect } from 'chai';
import { findCulprits, type Probe } from '../../../engine/bisect/search.js';

const FOURTEEN = [
  'environment',
  'build_path',
  'kernel',
  'aslr',
  'num_cpus',
  'user_group',
  'time',
  'fileordering',
  'domain_host',
  'home',
  'locales',
  'exec_path',
  'timezone',
  'umask',
];

/** A build whose artifacts change when any of their rules' variation sets is fully varied. */
function oracle(rules: Readonly<Record<string, readonly (readonly string[])[]>>, flapping: readonly string[] = []) {
  const calls: string[][] = [];
  const probe: Probe = async (variations) => {
    calls.push([...variations]);
    const varied = new Set(variations);
    const differing = Object.entries(rules)
      .filter(([, sets]) => sets.some((set) => set.every((v) => varied.has(v))))
      .map(([artifact]) => artifact);
    return new Set([...differing, ...flapping]);
  };
  const all = new Set(Object.keys(rules).concat(flapping));
  return { probe, calls, all };
}

describe('bisect search (engine/bisect/search.ts)', function () {
  it('finds one culprit among 14 with a logarithmic number of probes', async () => {
    const { probe, calls, all } = oracle({ 'usr/bin/hello': [['time']] });
    const found = await findCulprits(FOURTEEN, all, probe);
    expect(found.culprits).to.deep.equal([{ variations: ['time'], artifacts: ['usr/bin/hello'] }]);
    expect(found.flapping).to.deep.equal([]);
    // The no-variation probe plus both halves at each step of a 14 → 7 → 3 → 1 descent.
    expect(calls.length).to.equal(1 + 2 * 3);
    expect(calls[0]).to.deep.equal([]);
  });

  it('finds every independent culprit, also two that change the same file', async () => {
    const { probe, all } = oracle({ 'data.tar': [['time'], ['umask']], 'control.tar': [['locales']] });
    const found = await findCulprits(FOURTEEN, all, probe);
    expect(found.culprits).to.deep.equal([
      { variations: ['time'], artifacts: ['data.tar'] },
      { variations: ['locales'], artifacts: ['control.tar'] },
      { variations: ['umask'], artifacts: ['data.tar'] },
    ]);
  });

  for (const pair of [
    ['time', 'timezone'],
    ['build_path', 'kernel'],
    ['home', 'umask'],
  ] as const) {
    it(`finds an interaction (${pair.join(' + ')}) that neither variation causes alone`, async () => {
      const { probe, calls, all } = oracle({ stamp: [pair] });
      const found = await findCulprits(FOURTEEN, all, probe);
      expect(found.culprits).to.deep.equal([{ variations: [...pair], artifacts: ['stamp'] }]);
      expect(
        calls.some((c) => c.length === 2 && c.includes(pair[0]) && c.includes(pair[1])),
        'the pair is confirmed by a probe of its own',
      ).to.equal(true);
    });
  }

  it('blames nothing when the build differs with nothing varied', async () => {
    const { probe, all } = oracle({ 'out/a': [['time']] }, ['out/random.bin']);
    const found = await findCulprits(FOURTEEN, all, probe);
    expect(found).to.deep.equal({
      flapping: ['out/random.bin'],
      culprits: [],
      unexplained: [],
      unfinished: [],
      budgetSpent: false,
    });
  });

  it('names the only varied variation without probing subsets', async () => {
    const { probe, calls, all } = oracle({ 'out/a': [['umask']] });
    const found = await findCulprits(['umask'], all, probe);
    expect(found.culprits).to.deep.equal([{ variations: ['umask'], artifacts: ['out/a'] }]);
    expect(calls).to.deep.equal([[]]);
  });

  it('names the whole set when the difference needs every variation at once', async () => {
    const { probe, all } = oracle({ 'out/a': [['time', 'umask', 'home']] });
    const found = await findCulprits(['time', 'umask', 'home'], all, probe);
    expect(found.culprits).to.deep.equal([{ variations: ['time', 'umask', 'home'], artifacts: ['out/a'] }]);
    expect(found.unexplained).to.deep.equal([]);
  });

  describe('hypothesis first (suspects from the evidence)', function () {
    it(
      'names a single suspect in one round: the suspect alone and the complement, ' +
        "which rebuilt the control's bytes and so stands in for the no-variation " +
        'rebuild',
      async () => {
        const { probe, calls, all } = oracle({ 'out/pwd.txt': [['build_path']] });
        const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['build_path'] });
        expect(found.culprits).to.deep.equal([{ variations: ['build_path'], artifacts: ['out/pwd.txt'] }]);
        expect(calls).to.deep.equal([['build_path'], FOURTEEN.filter((v) => v !== 'build_path')]);
      },
    );

    it('builds the no-variation rebuild after the first round when the complement still differs, before the search goes on', async () => {
      const { probe, calls, all } = oracle({ 'data.tar': [['time'], ['umask']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['time'] });
      expect(found.culprits.map((c) => c.variations)).to.deep.equal([['time'], ['umask']]);
      expect(calls.slice(0, 3)).to.deep.equal([['time'], FOURTEEN.filter((v) => v !== 'time'), []]);
    });

    it('takes suspects given later (after diffoscope) and probes them strongest first, then the complement', async () => {
      const { probe, calls, all } = oracle({ 'out/a': [['time']], 'out/b': [['umask']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: Promise.resolve(['umask', 'time']) });
      expect(found.culprits.map((c) => c.variations)).to.deep.equal([['time'], ['umask']]);
      // umask is given first (the strongest), though time comes first in the registry.
      expect(calls).to.deep.equal([['umask'], ['time'], FOURTEEN.filter((v) => v !== 'time' && v !== 'umask')]);
    });

    it('misleading evidence: the difference points at X, the cause is Y; Y is confirmed and X is not reported', async () => {
      // The artifact shows the home path, but the build_path variation is what changes it.
      const { probe, calls, all } = oracle({ 'out/x': [['build_path']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['home'] });
      expect(found.culprits).to.deep.equal([{ variations: ['build_path'], artifacts: ['out/x'] }]);
      expect(found.unexplained).to.deep.equal([]);
      expect(
        calls.some((c) => c.length === 1 && c[0] === 'build_path'),
        'build_path confirmed by a probe of its own',
      ).to.equal(true);
      expect(calls.filter((c) => c.length === 1 && c[0] === 'home')).to.have.length(1);
    });

    it('goes on over the rest when the complement still changes the artifact (a second culprit)', async () => {
      const { probe, all } = oracle({ 'data.tar': [['time'], ['umask']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['time'] });
      expect(found.culprits).to.deep.equal([
        { variations: ['time'], artifacts: ['data.tar'] },
        { variations: ['umask'], artifacts: ['data.tar'] },
      ]);
    });

    it('still finds an interaction the suspects are part of', async () => {
      const { probe, all } = oracle({ stamp: [['time', 'timezone']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['time'] });
      expect(found.culprits).to.deep.equal([{ variations: ['time', 'timezone'], artifacts: ['stamp'] }]);
    });

    it('still tells a nondeterministic build apart, blaming no suspect', async () => {
      const { probe, all } = oracle({ 'out/a': [['time']] }, ['out/random.bin']);
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['time'] });
      expect(found.flapping).to.deep.equal(['out/random.bin']);
      expect(found.culprits).to.deep.equal([]);
    });
  });

  describe('a budget of probe builds', function () {
    it('stops when the budget is spent: only what a probe confirmed is a culprit, the rest unfinished', async () => {
      const { probe, calls, all } = oracle({ 'out/a': [['time']], 'out/b': [['umask']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['time'], budget: 3 });
      expect(calls.length).to.equal(3);
      expect(found.budgetSpent).to.equal(true);
      expect(found.culprits).to.deep.equal([{ variations: ['time'], artifacts: ['out/a'] }]);
      expect(found.unfinished).to.deep.equal(['out/b']);
      expect(found.unexplained).to.deep.equal(['out/b']);
    });

    it(
      'with guessed suspects (priors, no evidence), the no-variation rebuild goes ' +
        'first: a flapping build is told apart in one round',
      async () => {
        const { probe, calls, all } = oracle({ 'out/a': [['time']] }, ['out/random.bin']);
        const found = await findCulprits(FOURTEEN, all, probe, {
          suspects: ['build_path'],
          guessed: Promise.resolve(true),
        });
        expect(found.flapping).to.deep.equal(['out/random.bin']);
        expect(calls[0]).to.deep.equal([]);
        const guessed = oracle({ 'out/pwd.txt': [['build_path']] });
        await findCulprits(FOURTEEN, guessed.all, guessed.probe, { suspects: ['build_path'], guessed: true });
        expect(guessed.calls).to.deep.equal([[], ['build_path'], FOURTEEN.filter((v) => v !== 'build_path')]);
      },
    );

    it('with a budget too small for the whole first round, the no-variation rebuild goes first', async () => {
      const { probe, calls, all } = oracle({ 'out/a': [['time']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['time', 'umask'], budget: 3 });
      expect(calls).to.deep.equal([[], ['time'], ['umask']]);
      expect(found.culprits).to.deep.equal([{ variations: ['time'], artifacts: ['out/a'] }]);
      expect(found.budgetSpent).to.equal(true);
    });

    it('with a budget of one, only the no-variation rebuild runs and nothing is confirmed', async () => {
      const { probe, calls, all } = oracle({ 'out/a': [['time']] });
      const found = await findCulprits(FOURTEEN, all, probe, { suspects: ['time'], budget: 1 });
      expect(calls).to.deep.equal([[]]);
      expect(found.culprits).to.deep.equal([]);
      expect(found.unexplained).to.deep.equal(['out/a']);
      expect(found.budgetSpent).to.equal(true);
    });

    it('spends nothing of a budget that is large enough', async () => {
      const { probe, all } = oracle({ 'out/a': [['time']] });
      const found = await findCulprits(FOURTEEN, all, probe, { budget: 100 });
      expect(found.budgetSpent).to.equal(false);
      expect(found.unfinished).to.deep.equal([]);
    });
  });
});
