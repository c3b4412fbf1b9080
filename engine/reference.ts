// What a package's build is compared with: a second, varied build (check and
// sweep), or the files a distribution published (verify).
import type { Published } from './compare/published.js';

export type Reference = Readonly<{ kind: 'experiment' }> | Readonly<{ kind: 'published'; files: Published }>;

export const EXPERIMENT: Reference = Object.freeze({ kind: 'experiment' });
