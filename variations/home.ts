import { hiding, record, withEnv } from './plan.js';
import type { Variation } from './types.js';

const EXPERIMENT_HOME = '/nonexistent/second-build';
const HIDDEN = '/nonexistent';

// Note: the pinned HOME is the side's own build directory, the tree as this side
// sees it: the same path on both sides unless build_path varies it. A fixed path
// would leave a side whose tree is mounted elsewhere writing to an unmounted
// directory of the workspace (one that a later probe mounts on).
export const home: Variation = {
  name: 'home',
  summary: 'HOME directory',
  control: 'HOME = the build directory',
  experiment: `HOME = ${EXPERIMENT_HOME}`,
  needs: [],
  observe: [{ channel: 'HOME', command: 'if [ -e "$HOME" ]; then echo "$HOME exists"; else echo "$HOME absent"; fi', experimentMatches: ' absent$' }],
  ownsEnv: ['HOME'],
  apply(plan, ctx, vary) {
    const value = vary ? EXPERIMENT_HOME : plan.buildDir;
    return record(withEnv(hiding(plan, HIDDEN), { HOME: value }), 'home', value);
  },
};
