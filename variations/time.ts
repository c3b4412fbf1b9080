import { record, withEnv, wrap } from './plan.js';
import type { Variation } from './types.js';

const DAY = 86_400;
// 2024-01-01T00:00:00Z, when the build sets no SOURCE_DATE_EPOCH.
const FIXED_BASE = 1_704_067_200;

// Both sides always run under faketime, so the experiment is always shifted
// (never silently left on the real clock). NO_FAKE_STAT keeps file mtimes real,
// so make and friends still see sources older than their outputs.
export const time: Variation = {
  name: 'time',
  summary: 'the clock',
  control: 'faketime at SOURCE_DATE_EPOCH (from --env) or 2024-01-01',
  experiment: 'the same, plus 180..540 days and some seconds, by seed',
  needs: [{ kind: 'tool', name: 'faketime', pkg: 'faketime' }],
  // Note: faketime's semaphore must belong to the user the build runs as.
  after: ['user_group'],
  apply(plan, ctx, vary) {
    const sde = Number(plan.env['SOURCE_DATE_EPOCH']);
    const base = Number.isSafeInteger(sde) && sde > 0 ? sde : FIXED_BASE;
    const start = vary ? base + ctx.rng.int(180, 540) * DAY + ctx.rng.int(0, DAY - 1) : base;
    const pinned = withEnv(plan, { NO_FAKE_STAT: '1' });
    return record(wrap(pinned, ['faketime', `@${start}`]), 'time', new Date(start * 1000).toISOString());
  },
};
