import { record, withEnv, wrap } from './plan.js';
import type { Variation } from './types.js';

const DAY = 86_400;
// 2024-01-01T00:00:00Z, when the build sets no SOURCE_DATE_EPOCH.
const FIXED_BASE = 1_704_067_200;
// What the faketime wrapper itself preloads; ld.so expands $LIB to the multiarch dir.
const LIBFAKETIME = '/usr/$LIB/faketime/libfaketime.so.1';

// Both sides always run with a faked clock, so the experiment is always shifted
// (never silently left on the real clock). libfaketime is preloaded with a
// relative offset from the check's start, so clocks advance normally and every
// process of the build agrees on the time. NO_FAKE_STAT keeps file mtimes real,
// so make still sees sources older than outputs.
// Note: the preload is set by an `env` wrapper inside user_group's setpriv, not on
// the plan's environment: libfaketime creates a semaphore in its first process,
// which must belong to the user the build runs as.
export const time: Variation = {
  name: 'time',
  summary: 'the clock',
  control: 'libfaketime at SOURCE_DATE_EPOCH (from --env) or 2024-01-01',
  experiment: 'the same, plus 180..540 days and some seconds, by seed',
  needs: [{ kind: 'tool', name: 'faketime', pkg: 'faketime' }],
  // A dynamically linked program's view, to the day: an unfaked clock reads today on both sides.
  observe: [{ channel: 'date (dynamic program)', command: 'tb_date day' }],
  ownsEnv: ['FAKETIME', 'FAKETIME_*', 'LD_PRELOAD', 'NO_FAKE_STAT', 'DONT_FAKE_MONOTONIC'],
  limits:
    'a statically linked program, or one calling the clock_gettime syscall directly (or clearing LD_PRELOAD), reads the real clock',
  after: ['user_group'],
  apply(plan, ctx, vary) {
    const sde = Number(plan.env['SOURCE_DATE_EPOCH']);
    const base = Number.isSafeInteger(sde) && sde > 0 ? sde : FIXED_BASE;
    const start = vary ? base + ctx.rng.int(180, 540) * DAY + ctx.rng.int(0, DAY - 1) : base;
    // To the millisecond (libfaketime takes fractional offsets): every build's clock starts at `start` itself.
    const offset = Math.round((start - ctx.now) * 1000) / 1000;
    const preload = [LIBFAKETIME, plan.env['LD_PRELOAD']].filter(Boolean).join(' ');
    const faked = wrap(withEnv(plan, { NO_FAKE_STAT: '1' }), [
      'env',
      `LD_PRELOAD=${preload}`,
      `FAKETIME=${offset >= 0 ? '+' : ''}${offset}`,
    ]);
    return record(faked, 'time', new Date(start * 1000).toISOString());
  },
};
