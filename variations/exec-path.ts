import { hiding, record, withEnv } from './plan.js';
import type { Variation } from './types.js';

const CAPTURE_DIR = '/i_capture_the_path';

export const execPath: Variation = {
  name: 'exec_path',
  summary: 'PATH',
  control: 'PATH as given',
  experiment: `PATH + :${CAPTURE_DIR}`,
  needs: [],
  observe: [
    {
      channel: 'PATH entry',
      command:
        `case ":$PATH:" in *:${CAPTURE_DIR}:*) if tb_holds ${CAPTURE_DIR}; then echo ` +
        `'listed, holds files'; else echo 'listed, empty or absent'; fi ;; *) echo 'not listed' ;; esac`,
      experimentMatches: '^listed, empty or absent$',
    },
  ],
  after: ['environment'],
  apply(plan, _ctx, vary) {
    const base = plan.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
    const value = vary ? `${base}:${CAPTURE_DIR}` : base;
    return record(withEnv(hiding(plan, CAPTURE_DIR), { PATH: value }), 'exec_path', value);
  },
};
