import { addSetup, inNamespace, record, type BuildPlan } from './plan.js';
import type { Variation } from './types.js';

const VARIED = 'Second Builder,Room 2,+1 555 0100,';

// Rewrites field 5 of one uid's line in a passwd file, in place; values travel as arguments.
const SET_GECOS = [
  '/bin/sh',
  '-c',
  'awk -F: -v OFS=: -v uid="$2" -v name="$3" \'$3 == uid { $5 = name } { print }\' "$1" > "$1.new" && mv "$1.new" "$1"',
  'twinbuild-gecos',
];

/** The passwd copy this plan already binds over /etc/passwd (user_group's), if any. */
const boundPasswd = (plan: BuildPlan) =>
  plan.namespaceActions.find((a) => a.kind === 'bind' && a.target === '/etc/passwd') as { source: string } | undefined;

// The build user's full name, changed in a passwd copy seen only inside the
// experiment's mount namespace. Pinned, nothing needs doing: both sides see the
// full name of the user running twinbuild (user_group gives its user that name too).
// Composes with user_group: when that already binds a passwd copy, this edits it.
export const gecos: Variation = {
  name: 'gecos',
  summary: "the build user's full name (beyond reprotest, as tests.reproducible-builds.org)",
  control: 'the full name of the user running twinbuild',
  experiment: `GECOS "${VARIED}"`,
  needs: [{ kind: 'mount-namespace' }],
  observe: [{ channel: 'full name', command: 'tb_gecos' }],
  after: ['user_group'],
  apply(plan, ctx, vary) {
    if (!vary) return record(plan, 'gecos', ctx.host.gecos);
    const name = VARIED;
    const uid = plan.values['user_group']?.split(':')[0] ?? String(ctx.host.uid);
    const existing = boundPasswd(plan);
    const file = existing?.source ?? `${ctx.scratchDir}/passwd-gecos-${plan.side}`;
    let next = plan;
    if (!existing) {
      next = addSetup(next, { description: 'copy /etc/passwd', argv: ['cp', '/etc/passwd', file] });
      next = inNamespace(next, { kind: 'bind', source: file, target: '/etc/passwd' });
    }
    next = addSetup(next, { description: `set the full name of uid ${uid}`, argv: [...SET_GECOS, file, uid, name] });
    return record(next, 'gecos', name);
  },
};
