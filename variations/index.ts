// The ordered registry. Order is outside-in (as reprotest applies them): a
// variation's wrapper encloses those of later ones. Constraints live in `after`.
import { environment } from './environment.js';
import { execPath } from './exec-path.js';
import { home } from './home.js';
import { locales } from './locales.js';
import { aslr, buildPath, domainHost, fileordering, kernel, numCpus, time, userGroup } from './pending.js';
import { timezone } from './timezone.js';
import type { Variation } from './types.js';
import { umask } from './umask.js';

export const REGISTRY: readonly Variation[] = Object.freeze([
  environment,
  buildPath,
  kernel,
  aslr,
  numCpus,
  time,
  userGroup,
  fileordering,
  domainHost,
  home,
  locales,
  execPath,
  timezone,
  umask,
]);

export const VARIATION_NAMES: readonly string[] = REGISTRY.map((v) => v.name);

export function findVariation(name: string): Variation | undefined {
  return REGISTRY.find((v) => v.name === name);
}
