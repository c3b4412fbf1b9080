import { record, withWorkspaceMount } from './plan.js';
import type { Variation } from './types.js';

// Reversed, not shuffled: a shuffle of two entries is the filesystem's own order half
// the time, so a listing-order leak would pass as reproducible by luck. Reversal differs
// from the control's order for every directory of two or more entries, every time.
// --multi-user=no: disorderfs runs as the build's own uid:gid (enter.sh starts it so)
// instead of switching to each caller's ids on every request, which read the caller's
// groups from /proc and tripled the cost of every write (bench/fuse-write.mjs).
const OPTIONS = ['--shuffle-dirents=no', '--reverse-dirents=yes', '--multi-user=no', '-o', 'allow_other'];

// The ids the build runs as: user_group (applied before) records them when it ran, else the host's.
function buildOwner(values: Readonly<Record<string, string>>, host: Readonly<{ uid: number; gid: number }>): string {
  const recorded = values['user_group'];
  return recorded !== undefined && /^\d+:\d+$/.test(recorded) ? recorded : `${host.uid}:${host.gid}`;
}

// disorderfs is mounted inside the experiment's own mount namespace, in the
// foreground, so it lives and dies with that build. Note: disorderfs takes no
// seed; reversal needs none, so every run sees the same order.
export const fileordering: Variation = {
  name: 'fileordering',
  summary: 'order of directory entries (readdir)',
  control: 'the filesystem’s own order (plain bind mount)',
  experiment: 'reversed on every listing (disorderfs --reverse-dirents=yes)',
  needs: [
    { kind: 'tool', name: 'disorderfs', pkg: 'disorderfs' },
    { kind: 'fuse' },
    { kind: 'root' },
    { kind: 'mount-namespace' },
  ],
  // Both listings are of directories twinbuild puts in the side's tree for the probe (and removes before the build).
  observe: [
    // The experiment must list the same entries (in another order): an empty or broken mount is no variation.
    { channel: 'two entries (ls -U)', command: 'tb_list two', probeTree: true, experimentMatches: '^(a b|b a)$' },
    {
      channel: 'many entries (ls -U)',
      command: 'tb_list many',
      probeTree: true,
      experimentMatches: '^(f\\d\\d ){23}f\\d\\d$',
    },
  ],
  limits: 'only the build tree is reordered; directories outside it (/usr/include, the toolchain) keep their order',
  after: ['build_path', 'user_group'],
  apply(plan, ctx, vary) {
    if (!vary) return record(withWorkspaceMount(plan, { kind: 'bind' }), 'fileordering', 'plain');
    const mount = { kind: 'disorderfs', options: OPTIONS, owner: buildOwner(plan.values, ctx.host) } as const;
    return record(withWorkspaceMount(plan, mount), 'fileordering', 'disorderfs reverse');
  },
};
