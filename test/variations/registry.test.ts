import { expect } from 'chai';
import { REGISTRY, VARIATION_NAMES } from '../../variations/index.js';
import { newPlan, withEnv, withPersonality, wrap, commandLine } from '../../variations/plan.js';
import { createRng } from '../../variations/rng.js';
import { hostFacts } from '../../engine/prepare/availability.js';
import type { HostFacts, VaryContext } from '../../variations/types.js';
import { createPlanner, type Planner } from '../../engine/prepare/planning.js';
import { DEFAULT_DIFFOSCOPE, freezeOptions } from '../../engine/options.js';
import type { Workspace } from '../../engine/prepare/workspace.js';

const context = async (): Promise<VaryContext> => ({
  rng: createRng(1),
  options: {},
  buildDir: '/build/pkg',
  altBuildDir: '/build-2/longer/pkg',
  sideDir: '/ws/experiment/pkg',
  scratchDir: '/ws/scratch',
  host: await hostFacts(),
  now: 1_800_000_000,
  slot: 0,
});

// A fixed machine (all variations available) and workspace, so plans depend only on seed and --vary.
const HOST: HostFacts = {
  localePath: '/ws/scratch/locales',
  locales: ['et_EE.UTF-8', 'fr_CH.ISO-8859-1', 'he_IL.UTF-8'],
  machine: 'x86_64',
  cpuList: [0, 1, 2, 3],
  shPath: '/usr/bin/dash',
  dashPath: '/usr/bin/dash',
  bashPath: '/usr/bin/bash',
  uid: 0,
  gid: 0,
  gecos: 'root',
  namespaces: true,
};
const WORKSPACE: Workspace = {
  root: '/ws',
  sideDir: (side) => `/ws/${side}/pkg`,
  buildDir: '/ws/build/pkg',
  altBuildDir: '/ws/build-path-varied/second-build/pkg',
  scratchDir: '/ws/scratch',
};
const NOW = 1_800_000_000_000;

/** The planner a check with this seed and these variations enabled would use (the clock held still). */
function planned(seed: number, varied: readonly string[]): Planner {
  const options = freezeOptions({
    source: '/src/pkg',
    name: 'pkg',
    preset: 'generic',
    build: 'make',
    artifacts: ['out/**'],
    subdir: null,
    dsc: false,
    vary: { enabled: varied, explicit: [], options: {} },
    seed,
    jobs: 1,
    timeoutMs: 1,
    outDir: '/out',
    env: { SOURCE_DATE_EPOCH: '1700000000' },
    isolation: 'auto',
    diffoscope: DEFAULT_DIFFOSCOPE,
    bisect: false,
    keep: false,
    tempDir: '/tmp',
    toolPath: '/usr/bin:/bin',
  });
  const realNow = Date.now;
  Date.now = () => NOW; // the planner reads the clock once; time's offset is relative to it
  try {
    return createPlanner(
      options,
      REGISTRY.map((v) => ({ name: v.name, available: true })),
      HOST,
      WORKSPACE,
    );
  } finally {
    Date.now = realNow;
  }
}

// The fourteen reprotest varies; twinbuild must list every one, implemented or not.
const REPROTEST_VARIATIONS = [
  'environment',
  'build_path',
  'kernel',
  'aslr',
  'num_cpus',
  'time',
  'user_group',
  'fileordering',
  'domain_host',
  'home',
  'locales',
  'exec_path',
  'timezone',
  'umask',
];

describe('variations/index: the registry', function () {
  it('lists all fourteen reprotest variations and the four beyond it, each once', () => {
    expect([...VARIATION_NAMES].sort()).to.deep.equal(
      [...REPROTEST_VARIATIONS, 'shell', 'build_jobs', 'niceness', 'gecos'].sort(),
    );
  });

  it('respects every declared ordering constraint', () => {
    for (const variation of REGISTRY) {
      for (const before of variation.after ?? []) {
        expect(VARIATION_NAMES, `${before} is not a variation`).to.include(before);
        expect(VARIATION_NAMES.indexOf(before), `${variation.name} must come after ${before}`).to.be.lessThan(
          VARIATION_NAMES.indexOf(variation.name),
        );
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

  it('gives the same control plan whatever the experiment varies, and whatever the seed (the control is always pinned)', () => {
    const pinned = planned(1, []).control;
    const subsets = [[], ...VARIATION_NAMES.map((n) => [n]), [...VARIATION_NAMES]];
    for (const seed of [1, 2, 0xdeadbeef]) {
      for (const varied of subsets) {
        const planner = planned(seed, varied);
        expect(planner.control, `seed ${seed}, varying ${varied.join(',') || 'nothing'}`).to.deep.equal(pinned);
        // Asked directly for a control that varies everything, the planner still pins it.
        expect(planner.plan('control', new Set(VARIATION_NAMES), WORKSPACE, NOW / 1000), `seed ${seed}`).to.deep.equal(
          pinned,
        );
      }
    }
  });

  it(
    'varies in the experiment exactly what is asked: its own recorded value, and ' +
      'the environment only for those that set variables',
    () => {
      const pinned = planned(1, []);
      // Nothing varied: both sides get the same environment.
      expect(pinned.experiment.env).to.deep.equal(pinned.control.env);
      const touchedEnv: string[] = [];
      for (const name of VARIATION_NAMES) {
        const { control, experiment } = planned(1, [name]);
        expect(experiment.values[name], name).to.not.equal(control.values[name]);
        if (JSON.stringify(experiment.env) !== JSON.stringify(control.env)) touchedEnv.push(name);
      }
      expect(touchedEnv).to.have.members(['environment', 'home', 'locales', 'exec_path', 'timezone', 'build_jobs']);
    },
  );
});

describe('variations/gecos', function () {
  // One /etc/passwd in the sandbox: with user_group, gecos writes its own from user_group's copy and binds it in its place.
  it("binds one passwd file, written by one step from user_group's copy (or /etc/passwd) with the full name set", () => {
    for (const [varied, source] of [
      [['gecos'], '/etc/passwd'],
      [['user_group', 'gecos'], '/ws/scratch/passwd-experiment'],
    ] as const) {
      const { experiment } = planned(1, varied);
      const binds = experiment.namespaceActions.filter((a) => a.kind === 'bind' && a.target === '/etc/passwd');
      expect(binds, varied.join(',')).to.deep.equal([
        { kind: 'bind', source: '/ws/scratch/passwd-gecos-experiment', target: '/etc/passwd' },
      ]);
      const step = experiment.setup.find((s) => s.description.includes('full name'))!;
      expect(step.argv.slice(-4)).to.deep.equal([
        source,
        (varied as readonly string[]).includes('user_group') ? experiment.values['user_group']!.split(':')[0] : '0',
        'Second Builder,Room 2,+1 555 0100,',
        '/ws/scratch/passwd-gecos-experiment',
      ]);
      // After user_group's copy is written.
      expect(experiment.setup.indexOf(step)).to.equal(experiment.setup.length - 1);
    }
  });
});

describe('variations/num-cpus', function () {
  it('pins each build running at once to a CPU of its own: the slot picks it', () => {
    const planner = planned(1, []);
    const cpus = (slot: number) => planner.plan('experiment', new Set(), WORKSPACE, NOW / 1000, slot).values.num_cpus;
    expect(planner.control.values.num_cpus).to.equal('1 (0)');
    expect(planner.experiment.values.num_cpus).to.equal('1 (1)');
    expect([0, 1, 2, 3, 4].map(cpus)).to.deep.equal(['1 (0)', '1 (1)', '1 (2)', '1 (3)', '1 (0)']);
  });
});

describe('variations/plan', function () {
  it('puts wrappers outermost first, then the build', () => {
    const plan = wrap(wrap(newPlan('control', ['make'], {}), ['outer']), ['inner', '-x']);
    expect(commandLine(plan)).to.deep.equal(['outer', 'inner', '-x', 'make']);
    expect(commandLine(withPersonality(withPersonality(plan, 'x86_64'), null, ['-R']))).to.deep.equal([
      'setarch',
      'x86_64',
      '-R',
      'outer',
      'inner',
      '-x',
      'make',
    ]);
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
