import { record, withWorkspaceMount } from './plan.js';
import type { Variation } from './types.js';

// Reversed, not shuffled: a shuffle of two entries is the filesystem's own order half
// the time, so a listing-order leak would pass as reproducible by luck. Reversal differs
// from the control's order for every directory of two or more entries, every time.
const OPTIONS = ['--shuffle-dirents=no', '--reverse-dirents=yes', '--multi-user=yes', '-o', 'allow_other'];

// disorderfs is mounted inside the experiment's own mount namespace, in the
// foreground, so it lives and dies with that build. Note: disorderfs takes no
// seed; reversal needs none, so every run sees the same order.
export const fileordering: Variation = {
  name: 'fileordering',
  summary: 'order of directory entries (readdir)',
  control: 'the filesystem’s own order (plain bind mount)',
  experiment: 'reversed on every listing (disorderfs --reverse-dirents=yes)',
  needs: [{ kind: 'tool', name: 'disorderfs', pkg: 'disorderfs' }, { kind: 'fuse' }, { kind: 'root' }, { kind: 'mount-namespace' }],
  // Both listings are of directories twinbuild puts in the side's tree for the probe (and removes before the build).
  observe: [
    // The experiment must list the same entries (in another order): an empty or broken mount is no variation.
    { channel: 'two entries (ls -U)', command: 'ls -U .twinbuild-probe/two', experimentMatches: '^(a b|b a)$' },
    { channel: 'many entries (ls -U)', command: 'ls -U .twinbuild-probe/many', experimentMatches: '^(f\\d\\d ){23}f\\d\\d$' },
  ],
  limits: 'only the build tree is reordered; directories outside it (/usr/include, the toolchain) keep their order',
  after: ['build_path', 'user_group'],
  apply(plan, _ctx, vary) {
    if (!vary) return record(withWorkspaceMount(plan, { kind: 'bind' }), 'fileordering', 'plain');
    return record(withWorkspaceMount(plan, { kind: 'disorderfs', options: OPTIONS }), 'fileordering', 'disorderfs reverse');
  },
};
