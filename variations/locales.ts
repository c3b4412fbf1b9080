import { record, withEnv, withoutEnv } from './plan.js';
import type { Variation } from './types.js';

export const EXPERIMENT_LOCALE = 'et_EE.UTF-8';

// et_EE sorts differently from C ("z" after "s" and case-folded), and its
// month and day names are not English, so most locale leaks show up.
export const locales: Variation = {
  name: 'locales',
  summary: 'language and collation',
  control: 'LANG=C.UTF-8 LANGUAGE=en_US:en',
  experiment: `LC_ALL=${EXPERIMENT_LOCALE} LANG=${EXPERIMENT_LOCALE} LANGUAGE=et_EE:fr`,
  needs: [{ kind: 'locale', name: EXPERIMENT_LOCALE }],
  after: ['environment'],
  apply(plan, ctx, vary) {
    // Note: a privately generated locale directory is pinned on both sides,
    // so LOCPATH itself is not a difference between them.
    const locpath: Record<string, string> = ctx.host.localePath ? { LOCPATH: ctx.host.localePath } : {};
    const cleared = withoutEnv(plan, ['LC_ALL', 'LANG', 'LANGUAGE']);
    const vars: Record<string, string> = vary
      ? { LC_ALL: EXPERIMENT_LOCALE, LANG: EXPERIMENT_LOCALE, LANGUAGE: 'et_EE:fr' }
      : { LANG: 'C.UTF-8', LANGUAGE: 'en_US:en' };
    return record(withEnv(cleared, { ...vars, ...locpath }), 'locales', vars['LANG'] ?? '');
  },
};
