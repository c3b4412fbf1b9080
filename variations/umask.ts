import { record, wrap } from './plan.js';
import type { Variation } from './types.js';

// A fixed script; the value travels as an argument, never spliced into shell text.
const UMASK_WRAPPER = ['/bin/sh', '-c', 'umask "$1" && shift && exec "$@"', 'twinbuild-umask'] as const;

export const umask: Variation = {
  name: 'umask',
  summary: 'file creation mask',
  control: 'umask 0022',
  experiment: 'umask 0002',
  needs: [],
  observe: [{ channel: 'umask', command: 'umask' }],
  apply(plan, _ctx, vary) {
    const value = vary ? '0002' : '0022';
    return record(wrap(plan, [...UMASK_WRAPPER, value]), 'umask', value);
  },
};
