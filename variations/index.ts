// The ordered registry. Order is outside-in (as reprotest applies them): a
// variation's wrapper encloses those of later ones. Constraints live in `after`
// and are checked by a test. Adding a variation: one module, one line here.
import { aslr } from './aslr.js';
import { buildJobs } from './build-jobs.js';
import { buildPath } from './build-path.js';
import { domainHost } from './domain-host.js';
import { environment } from './environment.js';
import { execPath } from './exec-path.js';
import { fileordering } from './fileordering.js';
import { gecos } from './gecos.js';
import { home } from './home.js';
import { kernel } from './kernel.js';
import { locales } from './locales.js';
import { niceness } from './niceness.js';
import { numCpus } from './num-cpus.js';
import { shell } from './shell.js';
import { time } from './time.js';
import { timezone } from './timezone.js';
import type { Variation } from './types.js';
import { umask } from './umask.js';
import { userGroup } from './user-group.js';

export const REGISTRY: readonly Variation[] = Object.freeze([
  environment,
  buildPath,
  kernel,
  aslr,
  numCpus,
  userGroup,
  time,
  fileordering,
  domainHost,
  home,
  locales,
  execPath,
  timezone,
  umask,
  // Beyond reprotest, as tests.reproducible-builds.org varies them.
  shell,
  buildJobs,
  niceness,
  gecos,
]);

export const VARIATION_NAMES: readonly string[] = REGISTRY.map((v) => v.name);

export function findVariation(name: string): Variation | undefined {
  return REGISTRY.find((v) => v.name === name);
}

const owns = (pattern: string, name: string) =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

/** Variables given for both builds that an enabled variation sets itself: they would switch it off. */
export function envConflicts(
  names: readonly string[],
  enabled: readonly string[],
): { name: string; variation: string }[] {
  return names.flatMap((name) => {
    const variation = REGISTRY.find((v) => enabled.includes(v.name) && (v.ownsEnv ?? []).some((p) => owns(p, name)));
    return variation ? [{ name, variation: variation.name }] : [];
  });
}
