import { addSetup, inNamespace, rebind, record, type BuildPlan } from './plan.js';
import type { Variation } from './types.js';

const VARIED = 'Second Builder,Room 2,+1 555 0100,';

// Writes a passwd file ($4) as another ($1) with field 5 of one uid's line rewritten;
// values travel as arguments. One program (awk), whatever the source.
const SET_GECOS = [
  '/bin/sh',
  '-c',
  'awk -F: -v OFS=: -v uid="$2" -v name="$3" \'$3 == uid { $5 = name } { print }\' "$1" > "$4"',
  'twinbuild-gecos',
];

/** The passwd copy this plan already binds over /etc/passwd (user_group's), if any. */
const boundPasswd = (plan: BuildPlan) =>
  plan.namespaceActions.find((a) => a.kind === 'bind' && a.target === '/etc/passwd') as { source: string } | undefined;

// The build user's full name, changed in a passwd copy seen only inside the
// experiment's mount namespace. Pinned, nothing needs doing: both sides see the
// full name of the user running twinbuild (user_group gives its user that name too).
// Composes with user_group: when that already binds a passwd copy, this one is
// written from it and bound in its place.
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
    const file = `${ctx.scratchDir}/passwd-gecos-${plan.side}`;
    const written = addSetup(plan, {
      description: `write /etc/passwd with the full name of uid ${uid} set`,
      argv: [...SET_GECOS, existing?.source ?? '/etc/passwd', uid, name, file],
    });
    const bound = existing
      ? rebind(written, '/etc/passwd', file)
      : inNamespace(written, { kind: 'bind', source: file, target: '/etc/passwd' });
    return record(bound, 'gecos', name);
  },
};
