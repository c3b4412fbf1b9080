import { record, withPersonality } from './plan.js';
import type { Variation } from './types.js';

export const aslr: Variation = {
  name: 'aslr',
  summary: 'address space layout randomisation',
  control: 'off (setarch -R)',
  experiment: 'on',
  needs: [{ kind: 'tool', name: 'setarch', pkg: 'util-linux' }],
  // ADDR_NO_RANDOMIZE (0x0040000) is the personality bit setarch -R sets.
  observe: [
    { channel: 'ADDR_NO_RANDOMIZE', command: 'read -r tb_p < /proc/self/personality; echo $(( 0x$tb_p & 0x0040000 ))' },
  ],
  // Note: merged into the same setarch call as kernel; nested setarch calls reset each other.
  after: ['kernel'],
  apply(plan, _ctx, vary) {
    return vary ? record(plan, 'aslr', 'on') : record(withPersonality(plan, null, ['-R']), 'aslr', 'off');
  },
};
