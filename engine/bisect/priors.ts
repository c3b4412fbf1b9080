// How often each variation breaks real packages, most often first: the order a
// difference with no visible evidence is suspected in. Source: the issue tags
// of the Debian reproducible-builds notes (notes.git issues.yml, shown per
// package at tests.reproducible-builds.org/debian/notes/): timestamps_* tags are
// by far the largest family, then captures_build_path / gcc_captures_build_path,
// then random/filesystem ordering (random_order_in_*, fileordering), locale-
// and timezone-dependent output, file permissions (umask), user and host names,
// uname, parallelism; the rest are rare. The order is by tag family, not counted
// here from the live data.
export const PRIORS: readonly string[] = [
  'time',
  'build_path',
  'fileordering',
  'locales',
  'timezone',
  'umask',
  'user_group',
  'domain_host',
  'kernel',
  'build_jobs',
  'num_cpus',
  'home',
  'environment',
  'exec_path',
  'shell',
  'gecos',
  'aslr',
  'niceness',
];

/** `names` ordered by PRIORS (unknown names last, in their own order). */
export function byPrior(names: readonly string[]): string[] {
  const rank = (n: string) => (PRIORS.includes(n) ? PRIORS.indexOf(n) : PRIORS.length);
  return names
    .map((n, i) => ({ n, i }))
    .sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i)
    .map((x) => x.n);
}
