import { hiding, record, withEnv } from './plan.js';
import type { Variation } from './types.js';

const EXPERIMENT_HOME = '/nonexistent/second-build';
const HIDDEN = '/nonexistent';

// Note: the control's HOME is the build directory, the same path on both sides
// even when build_path mounts the experiment's tree elsewhere (build_path then
// covers that path with a private tmpfs, so HOME exists and stays private).
export const home: Variation = {
  name: 'home',
  summary: 'HOME directory',
  control: 'HOME = the build directory',
  experiment: `HOME = ${EXPERIMENT_HOME}`,
  needs: [],
  observe: [
    {
      channel: 'HOME',
      command: 'if [ -e "$HOME" ]; then echo "$HOME exists"; else echo "$HOME absent"; fi',
      experimentMatches: ' absent$',
    },
  ],
  ownsEnv: ['HOME'],
  apply(plan, ctx, vary) {
    const value = vary ? EXPERIMENT_HOME : ctx.buildDir;
    return record(withEnv(hiding(plan, HIDDEN), { HOME: value }), 'home', value);
  },
};
