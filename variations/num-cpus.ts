import { record, wrap } from './plan.js';
import type { Variation } from './types.js';

const cpuList = (cpus: readonly number[]) => cpus.join(',');

export const numCpus: Variation = {
  name: 'num_cpus',
  summary: 'number of CPUs the build may use (affinity)',
  control: '1 CPU (taskset)',
  experiment: '2..all of the allowed CPUs, by seed',
  needs: [{ kind: 'tool', name: 'taskset', pkg: 'util-linux' }, { kind: 'cpus', min: 2 }],
  apply(plan, ctx, vary) {
    const allowed = ctx.host.cpuList;
    const chosen = vary ? allowed.slice(0, ctx.rng.int(2, Math.max(2, allowed.length))) : allowed.slice(0, 1);
    return record(wrap(plan, ['taskset', '--cpu-list', cpuList(chosen)]), 'num_cpus', `${chosen.length} (${cpuList(chosen)})`);
  },
};
