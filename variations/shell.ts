import { inNamespace, record } from './plan.js';
import type { Variation } from './types.js';

// /bin/sh is swapped by a bind mount inside the build's own mount namespace
// (never on the host). Note: mounting onto a symlink lands on its target, so
// the bind goes onto wherever /bin/sh really points. The probe's channel asks the
// probe's own shell: it is the /bin/sh the build is started with, in the same namespace.
export const shell: Variation = {
  name: 'shell',
  summary: '/bin/sh implementation (beyond reprotest, as tests.reproducible-builds.org)',
  control: '/bin/sh is dash',
  experiment: '/bin/sh is bash',
  needs: [
    { kind: 'tool', name: 'dash', pkg: 'dash' },
    { kind: 'tool', name: 'bash', pkg: 'bash' },
    { kind: 'mount-namespace' },
  ],
  observe: [{ channel: '/bin/sh', command: 'echo "${BASH_VERSION:-not bash}"' }],
  apply(plan, ctx, vary) {
    const wanted = vary ? ctx.host.bashPath : ctx.host.dashPath;
    const pinned =
      wanted === ctx.host.shPath ? plan : inNamespace(plan, { kind: 'bind', source: wanted, target: ctx.host.shPath });
    return record(pinned, 'shell', vary ? 'bash' : 'dash');
  },
};
