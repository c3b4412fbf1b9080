import { record, wrap } from './plan.js';
import type { Variation } from './types.js';

export const niceness: Variation = {
  name: 'niceness',
  summary: 'scheduling priority (beyond reprotest, as tests.reproducible-builds.org)',
  control: 'nice -n 10',
  experiment: 'nice -n 11',
  needs: [{ kind: 'tool', name: 'nice', pkg: 'coreutils' }],
  apply(plan, _ctx, vary) {
    const level = vary ? '11' : '10';
    return record(wrap(plan, ['nice', '-n', level, '--']), 'niceness', level);
  },
};
