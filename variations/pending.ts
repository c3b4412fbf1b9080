// Variations reprotest has and twinbuild does not implement yet. They are in the
// registry so `--vary +all` reports them as skipped (with this reason) instead of
// silently dropping them, and asking for one explicitly is exit 3.
import type { Variation } from './types.js';

const pending = (name: string, summary: string, control: string, experiment: string): Variation => ({
  name,
  summary,
  control,
  experiment,
  needs: [{ kind: 'pending', why: 'not yet available in this version of twinbuild' }],
  apply: (plan) => plan,
});

export const buildPath = pending('build_path', 'build directory path', 'one shared path', 'a different path');
export const userGroup = pending('user_group', 'user and group', 'current user', 'another uid/gid');
export const fileordering = pending('fileordering', 'directory entry order', 'plain directory', 'disorderfs --shuffle-dirents');
export const kernel = pending('kernel', 'kernel personality', 'setarch $(uname -m)', 'other compatible arch, --uname-2.6');
export const aslr = pending('aslr', 'address space randomisation', 'off (setarch -R)', 'on');
export const numCpus = pending('num_cpus', 'CPU count', '1 CPU', '2..nproc CPUs');
export const time = pending('time', 'system time', 'faketime at a fixed base', '+180..540 days');
export const domainHost = pending('domain_host', 'hostname and domainname', "host's names", 'other names (unshare --uts)');
