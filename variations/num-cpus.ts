import { addSetup, inNamespace, record, wrap, type BuildPlan } from './plan.js';
import type { Variation } from './types.js';

const cpuList = (cpus: readonly number[]) => cpus.join(',');

// What is pinned is the CPU count, not which CPU: each build gets one CPU, picked
// by its slot (the control 0, the experiment 1, probes their runner slot), so
// builds running at the same time do not share a core while the others idle.
export const numCpus: Variation = {
  name: 'num_cpus',
  summary: 'number of CPUs the build may use (affinity)',
  control: '1 CPU (taskset)',
  experiment: '2..all of the allowed CPUs, by seed',
  needs: [
    { kind: 'tool', name: 'taskset', pkg: 'util-linux' },
    { kind: 'cpus', min: 2 },
  ],
  observe: [
    { channel: 'nproc (affinity)', command: 'tb_nproc' },
    { channel: 'getconf _NPROCESSORS_ONLN', command: 'getconf _NPROCESSORS_ONLN', needsNamespaces: true },
  ],
  limits:
    '/proc/cpuinfo still lists every CPU; without namespaces, getconf ' +
    '_NPROCESSORS_ONLN, os.cpu_count() and /sys/devices/system/cpu/online count ' +
    'every online CPU too',
  apply(plan, ctx, vary) {
    const allowed = ctx.host.cpuList;
    const single = [allowed[ctx.slot % allowed.length]!];
    const chosen = vary ? allowed.slice(-ctx.rng.int(2, Math.max(2, allowed.length))) : single;
    const counted = ctx.host.namespaces ? withOnlineFile(plan, chosen, ctx.scratchDir) : plan;
    return record(
      wrap(counted, ['taskset', '--cpu-list', cpuList(chosen)]),
      'num_cpus',
      `${chosen.length} (${cpuList(chosen)})`,
    );
  },
};

// The online-CPU list sysconf(_SC_NPROCESSORS_ONLN) reads (getconf, Python's
// os.cpu_count()), bound inside the build's mount namespace to the CPUs it may use.
function withOnlineFile(plan: BuildPlan, cpus: readonly number[], scratchDir: string): BuildPlan {
  const file = `${scratchDir}/cpu-online-${plan.side}`;
  const written = addSetup(plan, {
    description: 'write the online CPU list',
    argv: ['/bin/sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'twinbuild-cpus', cpuList(cpus), file],
  });
  return inNamespace(written, { kind: 'bind', source: file, target: '/sys/devices/system/cpu/online' });
}
