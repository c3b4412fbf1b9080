import { hiding, record, withEnv } from './plan.js';
import type { Variation } from './types.js';

const EXPERIMENT_HOME = '/nonexistent/second-build';
const HIDDEN = '/nonexistent';

// Note: the control's HOME is the build directory, which is the same path on
// both sides (builds are bind-mounted at one path), so pinning costs nothing.
export const home: Variation = {
  name: 'home',
  summary: 'HOME directory',
  control: 'HOME = the build directory',
  experiment: `HOME = ${EXPERIMENT_HOME}`,
  needs: [],
  observe: [{ channel: 'HOME', command: 'if [ -e "$HOME" ]; then echo "$HOME exists"; else echo "$HOME absent"; fi', experimentMatches: ' absent$' }],
  ownsEnv: ['HOME'],
  apply(plan, ctx, vary) {
    const value = vary ? EXPERIMENT_HOME : ctx.buildDir;
    return record(withEnv(hiding(plan, HIDDEN), { HOME: value }), 'home', value);
  },
};
