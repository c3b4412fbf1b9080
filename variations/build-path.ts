import { hiding, record, withBuildDir } from './plan.js';
import type { Variation } from './types.js';

// Both paths are bind-mount targets inside each build's own mount namespace,
// so a varied path costs nothing and the builds still run at the same time.
export const buildPath: Variation = {
  name: 'build_path',
  summary: 'absolute path of the build directory',
  control: 'one path shared by both builds (…/build/NAME)',
  experiment: 'a different, longer path (…/build-path-varied/second-build/NAME)',
  needs: [],
  observe: [{ channel: 'working directory', command: 'pwd' }],
  apply(plan, ctx, vary) {
    const dir = vary ? ctx.altBuildDir : ctx.buildDir;
    // The shared path stays a HOME (home pins it there): covered by a private tmpfs,
    // so what the build writes to it never lands in the workspace directory that
    // another build, or a disorderfs probe, later mounts its tree on.
    const moved = withBuildDir(plan, dir);
    return record(vary ? hiding(moved, ctx.buildDir) : moved, 'build_path', dir);
  },
};
