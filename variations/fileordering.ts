import { record, withWorkspaceMount } from './plan.js';
import type { Variation } from './types.js';

const OPTIONS = ['--shuffle-dirents=yes', '--reverse-dirents=no', '--multi-user=yes', '-o', 'allow_other'];

// disorderfs is mounted inside the experiment's own mount namespace, in the
// foreground, so it lives and dies with that build. Note: disorderfs takes no
// seed, so the shuffled order itself cannot be replayed.
export const fileordering: Variation = {
  name: 'fileordering',
  summary: 'order of directory entries (readdir)',
  control: 'the filesystem’s own order (plain bind mount)',
  experiment: 'shuffled on every listing (disorderfs --shuffle-dirents=yes)',
  needs: [{ kind: 'tool', name: 'disorderfs', pkg: 'disorderfs' }, { kind: 'fuse' }, { kind: 'root' }, { kind: 'mount-namespace' }],
  after: ['build_path', 'user_group'],
  apply(plan, _ctx, vary) {
    if (!vary) return record(withWorkspaceMount(plan, { kind: 'bind' }), 'fileordering', 'plain');
    return record(withWorkspaceMount(plan, { kind: 'disorderfs', options: OPTIONS }), 'fileordering', 'disorderfs shuffle (not seedable)');
  },
};
