import { addSetup, inNamespace, record, wrap, type BuildPlan } from './plan.js';
import type { Variation } from './types.js';

const USER = 'twinbuild-second';

/** A setup step: copy a system file into the scratch dir and append one line. */
const copyWithLine = (plan: BuildPlan, original: string, copy: string, line: string): BuildPlan =>
  addSetup(plan, {
    description: `write a copy of ${original} with ${USER}`,
    argv: ['/bin/sh', '-c', 'cat "$1" > "$2" && printf "%s\\n" "$3" >> "$2"', 'twinbuild-copy', original, copy, line],
  });

// The experiment runs as an unprivileged uid/gid (by seed) that owns its copy of
// the source. A passwd/group entry for it is bind-mounted inside the build's own
// mount namespace only, so `id -un` works and the host's files are untouched.
export const userGroup: Variation = {
  name: 'user_group',
  summary: 'user and group the build runs as',
  control: 'the user running twinbuild',
  experiment: `an unprivileged uid/gid 20000..29999 (by seed), named ${USER}`,
  needs: [{ kind: 'root' }, { kind: 'tool', name: 'setpriv', pkg: 'util-linux' }, { kind: 'mount-namespace' }],
  observe: [{ channel: 'uid:gid', command: 'echo "$(id -u):$(id -g)"' }],
  apply(plan, ctx, vary) {
    if (!vary) return record(plan, 'user_group', `${ctx.host.uid}:${ctx.host.gid}`);
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
    next = addSetup(next, {
      description: `give the experiment's copy to ${id}:${id}`,
      argv: ['chown', '-R', `${id}:${id}`, ctx.sideDir],
    });
    next = inNamespace(next, { kind: 'bind', source: passwd, target: '/etc/passwd' });
    next = inNamespace(next, { kind: 'bind', source: group, target: '/etc/group' });
    return record(
      wrap(next, ['setpriv', `--reuid=${id}`, `--regid=${id}`, '--clear-groups', '--']),
      'user_group',
      `${id}:${id}`,
    );
  },
};
