// The search itself (engine/bisect/search.ts), against a known answer: the probe is
// a pure function of the variation set, so every culprit and count is exact.
import { expect } from 'chai';
import { findCulprits, type Probe } from '../../../engine/bisect/search.js';

const FOURTEEN = ['environment', 'build_path', 'kernel', 'aslr', 'num_cpus', 'user_group', 'time', 'fileordering', 'domain_host', 'home', 'locales', 'exec_path', 'timezone', 'umask'];

/** A build whose artifacts change when any of their rules' variation sets is fully varied. */
function oracle(rules: Readonly<Record<string, readonly (readonly string[])[]>>, flapping: readonly string[] = []) {
  const calls: string[][] = [];
  const probe: Probe = async (variations) => {
    calls.push([...variations]);
    const varied = new Set(variations);
    const differing = Object.entries(rules).filter(([, sets]) => sets.some((set) => set.every((v) => varied.has(v)))).map(([artifact]) => artifact);
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

  for (const pair of [['time', 'timezone'], ['build_path', 'kernel'], ['home', 'umask']] as const) {
    it(`finds an interaction (${pair.join(' + ')}) that neither variation causes alone`, async () => {
      const { probe, calls, all } = oracle({ stamp: [pair] });
      const found = await findCulprits(FOURTEEN, all, probe);
      expect(found.culprits).to.deep.equal([{ variations: [...pair], artifacts: ['stamp'] }]);
      expect(calls.some((c) => c.length === 2 && c.includes(pair[0]) && c.includes(pair[1])), 'the pair is confirmed by a probe of its own').to.equal(true);
    });
  }

  it('blames nothing when the build differs with nothing varied', async () => {
    const { probe, all } = oracle({ 'out/a': [['time']] }, ['out/random.bin']);
    const found = await findCulprits(FOURTEEN, all, probe);
    expect(found).to.deep.equal({ flapping: ['out/random.bin'], culprits: [], unexplained: [] });
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
});
