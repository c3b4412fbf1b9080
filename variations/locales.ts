import { record, withEnv, withoutEnv } from './plan.js';
import type { Variation } from './types.js';

/** Experiment locales, each different from C.UTF-8 in its own way; one is picked by seed. */
export const EXPERIMENT_LOCALES: Readonly<Record<string, string>> = {
  // Collation: "z" between "s" and "t", and case folded.
  'et_EE.UTF-8': 'et_EE:fr',
  // Not UTF-8 at all.
  'fr_CH.ISO-8859-1': 'fr_CH:fr',
  // Right to left, Hebrew month and day names.
  'he_IL.UTF-8': 'he_IL:he',
};

export const locales: Variation = {
  name: 'locales',
  summary: 'language, collation and character set',
  control: 'LANG=C.UTF-8 LANGUAGE=en_US:en',
  experiment: `LC_ALL and LANG = one of ${Object.keys(EXPERIMENT_LOCALES).join(', ')} (by seed), LANGUAGE to match`,
  needs: [{ kind: 'locales', names: Object.keys(EXPERIMENT_LOCALES) }],
  observe: [{ channel: 'sort order', command: "printf 'a\\nB\\nz\\ns\\nt\\n' | sort" }],
  ownsEnv: ['LANG', 'LANGUAGE', 'LC_*', 'LOCPATH'],
  after: ['environment'],
  apply(plan, ctx, vary) {
    // Note: a privately generated locale directory is pinned on both sides,
    // so LOCPATH itself is not a difference between them.
    const locpath: Record<string, string> = ctx.host.localePath ? { LOCPATH: ctx.host.localePath } : {};
    const cleared = withoutEnv(plan, ['LC_ALL', 'LANG', 'LANGUAGE']);
    if (!vary)
      return record(withEnv(cleared, { LANG: 'C.UTF-8', LANGUAGE: 'en_US:en', ...locpath }), 'locales', 'C.UTF-8');
    const locale = ctx.rng.pick(ctx.host.locales?.length ? ctx.host.locales : Object.keys(EXPERIMENT_LOCALES));
    const vars = { LC_ALL: locale, LANG: locale, LANGUAGE: EXPERIMENT_LOCALES[locale] ?? 'fr' };
    return record(withEnv(cleared, { ...vars, ...locpath }), 'locales', locale);
  },
};
