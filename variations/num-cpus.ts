import { record, wrap } from './plan.js';
import type { Variation } from './types.js';

const cpuList = (cpus: readonly number[]) => cpus.join(',');

// What is pinned is the CPU count, not which CPU: a pinned experiment gets one
// CPU too, but another one than the control's, so builds running at the same
// time do not share a core while the others idle.
export const numCpus: Variation = {
  name: 'num_cpus',
  summary: 'number of CPUs the build may use (affinity)',
  control: '1 CPU (taskset)',
  experiment: '2..all of the allowed CPUs, by seed',
  needs: [{ kind: 'tool', name: 'taskset', pkg: 'util-linux' }, { kind: 'cpus', min: 2 }],
  observe: [{ channel: 'nproc (affinity)', command: 'nproc' }],
  limits: 'getconf _NPROCESSORS_ONLN, os.cpu_count() and /sys/devices/system/cpu/online still count every online CPU',
  apply(plan, ctx, vary) {
    const allowed = ctx.host.cpuList;
    const single = plan.side === 'control' ? allowed.slice(0, 1) : allowed.slice(-1);
    const chosen = vary ? allowed.slice(-ctx.rng.int(2, Math.max(2, allowed.length))) : single;
    return record(wrap(plan, ['taskset', '--cpu-list', cpuList(chosen)]), 'num_cpus', `${chosen.length} (${cpuList(chosen)})`);
  },
};
