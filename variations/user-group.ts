import { addSetup, inNamespace, record, runningAs, type BuildPlan } from './plan.js';
import type { Variation } from './types.js';

const USER = 'twinbuild-second';

/** A setup step: copy a system file into the scratch dir and append one line. */
const copyWithLine = (plan: BuildPlan, original: string, copy: string, line: string): BuildPlan =>
  addSetup(plan, {
    description: `write a copy of ${original} with ${USER}`,
    argv: ['/bin/sh', '-c', 'cat "$1" > "$2" && printf "%s\\n" "$3" >> "$2"', 'twinbuild-copy', original, copy, line],
  });

// The experiment sees another uid/gid (by seed) in its sandbox's user namespace,
// where its copy of the source is its own (on the host the copy belongs to the
// build's one unprivileged id either way). A passwd/group entry for it is bound
// in the sandbox only, so `id -un` works and the host's files are untouched.
export const userGroup: Variation = {
  name: 'user_group',
  summary: 'user and group the build runs as',
  control: 'uid and gid 0 in the build sandbox (an unprivileged id on the host)',
  experiment: `an unprivileged uid/gid 20000..29999 (by seed), named ${USER}`,
  // Note: no root needed: bubblewrap maps any uid into the build's user namespace.
  needs: [{ kind: 'mount-namespace' }],
  observe: [{ channel: 'uid:gid', command: 'tb_ids; echo "$tb_uid:$tb_gid"' }],
  apply(plan, ctx, vary) {
    if (!vary) return record(plan, 'user_group', '0:0');
    const id = ctx.rng.int(20_000, 29_999);
    const passwd = `${ctx.scratchDir}/passwd-${plan.side}`;
    const group = `${ctx.scratchDir}/group-${plan.side}`;
    // Note: the same full name as the control's user, so only gecos varies it.
    let next = copyWithLine(
      plan,
      '/etc/passwd',
      passwd,
      `${USER}:x:${id}:${id}:${ctx.host.gecos.replace(/[:\n]/g, ' ')}:${plan.buildDir}:/bin/sh`,
    );
    next = copyWithLine(next, '/etc/group', group, `${USER}:x:${id}:`);
    next = inNamespace(next, { kind: 'bind', source: passwd, target: '/etc/passwd' });
    next = inNamespace(next, { kind: 'bind', source: group, target: '/etc/group' });
    return record(runningAs(next, id, id), 'user_group', `${id}:${id}`);
  },
};
