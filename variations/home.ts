import { record, withEnv } from './plan.js';
import type { Variation } from './types.js';

const EXPERIMENT_HOME = '/nonexistent/second-build';

// Note: the control's HOME is the build directory, which is the same path on
// both sides (builds are bind-mounted at one path), so pinning costs nothing.
export const home: Variation = {
  name: 'home',
  summary: 'HOME directory',
  control: 'HOME = the build directory',
  experiment: `HOME = ${EXPERIMENT_HOME}`,
  needs: [],
  apply(plan, ctx, vary) {
    const value = vary ? EXPERIMENT_HOME : ctx.buildDir;
    return record(withEnv(plan, { HOME: value }), 'home', value);
  },
};
