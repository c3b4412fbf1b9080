import { record, withEnv } from './plan.js';
import type { Variation } from './types.js';

// 26 hours apart, so even a date (not only an hour) changes.
export const timezone: Variation = {
  name: 'timezone',
  summary: 'TZ',
  control: 'TZ=GMT+12',
  experiment: 'TZ=GMT-14',
  needs: [],
  observe: [{ channel: 'UTC offset', command: 'tb_date offset' }],
  ownsEnv: ['TZ'],
  apply(plan, _ctx, vary) {
    const value = vary ? 'GMT-14' : 'GMT+12';
    return record(withEnv(plan, { TZ: value }), 'timezone', value);
  },
};
