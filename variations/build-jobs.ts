import { record, withEnv } from './plan.js';
import type { Variation } from './types.js';

/** Replaces (or adds) `parallel=N` in a DEB_BUILD_OPTIONS value, keeping the other options. */
export function withParallel(options: string | undefined, jobs: number): string {
  const kept = (options ?? '').split(/\s+/).filter((o) => o && !o.startsWith('parallel='));
  return [...kept, `parallel=${jobs}`].join(' ');
}

export const buildJobs: Variation = {
  name: 'build_jobs',
  summary: 'parallel build jobs (beyond reprotest, as tests.reproducible-builds.org)',
  control: 'MAKEFLAGS=-j1, DEB_BUILD_OPTIONS parallel=1',
  experiment: 'MAKEFLAGS=-jN, DEB_BUILD_OPTIONS parallel=N, N = 2..max(4, CPUs) by seed',
  needs: [],
  observe: [{ channel: 'MAKEFLAGS', command: 'printf "%s\\n" "${MAKEFLAGS-(unset)}"' }],
  ownsEnv: ['MAKEFLAGS'],
  after: ['environment'],
  apply(plan, ctx, vary) {
    const jobs = vary ? ctx.rng.int(2, Math.max(4, ctx.host.cpuList.length)) : 1;
    const env = { MAKEFLAGS: `-j${jobs}`, DEB_BUILD_OPTIONS: withParallel(plan.env['DEB_BUILD_OPTIONS'], jobs) };
    return record(withEnv(plan, env), 'build_jobs', String(jobs));
  },
};
