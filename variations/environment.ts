import { record, withEnv } from './plan.js';
import type { Variation } from './types.js';

const CAPTURE = 'TWINBUILD_CAPTURE_ENVIRONMENT';

// Both sides start from the same clean environment; the experiment gains a
// capture variable (and any `environment.variables+=K=V`) to catch builds that embed their env.
export const environment: Variation = {
  name: 'environment',
  summary: 'extra environment variables in the experiment',
  control: 'clean environment',
  experiment: `+ ${CAPTURE}=i_capture_the_environment (and environment.variables)`,
  needs: [],
  options: ['variables'],
  observe: [{ channel: 'capture variable', command: `printf '%s\\n' "\${${CAPTURE}-(unset)}"` }],
  ownsEnv: [CAPTURE],
  apply(plan, ctx, vary) {
    if (!vary) return plan;
    const extra: Record<string, string> = { [CAPTURE]: 'i_capture_the_environment' };
    for (const assignment of ctx.options['variables'] ?? []) {
      const eq = assignment.indexOf('=');
      extra[eq < 0 ? assignment : assignment.slice(0, eq)] = eq < 0 ? '' : assignment.slice(eq + 1);
    }
    return record(withEnv(plan, extra), 'environment', Object.keys(extra).join(','));
  },
};
