import { record, wrap } from './plan.js';
import type { Variation } from './types.js';

// The experiment gets the higher priority: it carries the costlier variations
// (disorderfs, faketime offsets, another user), so it is the check's critical path
// when both builds share the CPUs.
export const niceness: Variation = {
  name: 'niceness',
  summary: 'scheduling priority (beyond reprotest, as tests.reproducible-builds.org)',
  control: 'nice -n 11',
  experiment: 'nice -n 10',
  needs: [{ kind: 'tool', name: 'nice', pkg: 'coreutils' }],
  observe: [{ channel: 'nice', command: 'tb_nice' }],
  apply(plan, _ctx, vary) {
    const level = vary ? '10' : '11';
    return record(wrap(plan, ['nice', '-n', level, '--']), 'niceness', level);
  },
};
