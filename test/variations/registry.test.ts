import { expect } from 'chai';
import { REGISTRY, VARIATION_NAMES } from '../../variations/index.js';
import { newPlan, withEnv, withPersonality, wrap, commandLine } from '../../variations/plan.js';
import { createRng } from '../../variations/rng.js';
import { hostFacts } from '../../engine/prepare/availability.js';
import type { VaryContext } from '../../variations/types.js';

const context = async (): Promise<VaryContext> => ({
  rng: createRng(1),
  options: {},
  buildDir: '/build/pkg',
  altBuildDir: '/build-2/longer/pkg',
  sideDir: '/ws/experiment/pkg',
  scratchDir: '/ws/scratch',
  host: await hostFacts(),
  now: 1_800_000_000,
});

// The fourteen reprotest varies; twinbuild must list every one, implemented or not.
const REPROTEST_VARIATIONS = [
  'environment', 'build_path', 'kernel', 'aslr', 'num_cpus', 'time', 'user_group',
  'fileordering', 'domain_host', 'home', 'locales', 'exec_path', 'timezone', 'umask',
];

describe('variations/index: the registry', function () {
  it('lists all fourteen reprotest variations and the four beyond it, each once', () => {
    expect([...VARIATION_NAMES].sort()).to.deep.equal([...REPROTEST_VARIATIONS, 'shell', 'build_jobs', 'niceness', 'gecos'].sort());
  });

  it('respects every declared ordering constraint', () => {
    for (const variation of REGISTRY) {
      for (const before of variation.after ?? []) {
        expect(VARIATION_NAMES, `${before} is not a variation`).to.include(before);
        expect(VARIATION_NAMES.indexOf(before), `${variation.name} must come after ${before}`).to.be.lessThan(VARIATION_NAMES.indexOf(variation.name));
      }
    }
  });

  it('applies every variation as a pure transform: the input plan is unchanged and frozen', async () => {
    const ctx = await context();
    for (const variation of REGISTRY) {
      for (const vary of [false, true]) {
        const plan = newPlan('experiment', ['/bin/sh', '-c', 'true'], { PATH: '/usr/bin:/bin' }, ctx.buildDir);
        const snapshot = JSON.stringify(plan);
        const next = variation.apply(plan, ctx, vary);
        expect(JSON.stringify(plan), variation.name).to.equal(snapshot);
        expect(Object.isFrozen(next) && Object.isFrozen(next.env), variation.name).to.equal(true);
      }
    }
  });

  it('gives the same control plan whatever is varied (the control is always pinned)', async () => {
    const ctx = await context();
    const control = (plan = newPlan('control', ['true'], { PATH: '/bin' })) =>
      REGISTRY.reduce((p, v) => v.apply(p, ctx, false), plan);
    expect(control()).to.deep.equal(control());
    const experiment = REGISTRY.reduce((p, v) => v.apply(p, ctx, true), newPlan('experiment', ['true'], { PATH: '/bin' }));
    expect(experiment.env).not.to.deep.equal(control().env);
  });
});

describe('variations/plan', function () {
  it('puts wrappers outermost first, then the build', () => {
    const plan = wrap(wrap(newPlan('control', ['make'], {}), ['outer']), ['inner', '-x']);
    expect(commandLine(plan)).to.deep.equal(['outer', 'inner', '-x', 'make']);
    expect(commandLine(withPersonality(withPersonality(plan, 'x86_64'), null, ['-R']))).to.deep.equal(['setarch', 'x86_64', '-R', 'outer', 'inner', '-x', 'make']);
    expect(withEnv(plan, { A: '1' }).env).to.deep.equal({ A: '1' });
    expect(plan.env).to.deep.equal({});
  });
});

describe('variations/rng', function () {
  it('replays the same sequence for the same seed', () => {
    const a = createRng(1234);
    const b = createRng(1234);
    const draws = Array.from({ length: 5 }, () => a.int(180, 540));
    expect(Array.from({ length: 5 }, () => b.int(180, 540))).to.deep.equal(draws);
    expect(draws.every((d) => d >= 180 && d <= 540)).to.equal(true);
    expect(createRng(1235).int(0, 1e9)).not.to.equal(createRng(1234).int(0, 1e9));
  });
});
