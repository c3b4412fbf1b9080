import { inNamespace, record } from './plan.js';
import type { Variation } from './types.js';

const HOSTNAME = 'i-capture-the-hostname';
const DOMAINNAME = 'i-capture-the-domainname';

// Each build has its own UTS namespace, so renaming the experiment's host never touches the real one.
export const domainHost: Variation = {
  name: 'domain_host',
  summary: 'hostname and NIS domain name',
  control: "the host's names",
  experiment: `hostname ${HOSTNAME}, domainname ${DOMAINNAME}`,
  needs: [{ kind: 'tool', name: 'hostname', pkg: 'hostname' }, { kind: 'tool', name: 'domainname', pkg: 'hostname' }, { kind: 'mount-namespace' }],
  apply(plan, _ctx, vary) {
    if (!vary) return record(plan, 'domain_host', "host's");
    const renamed = inNamespace(inNamespace(plan, { kind: 'hostname', name: HOSTNAME }), { kind: 'domainname', name: DOMAINNAME });
    return record(renamed, 'domain_host', `${HOSTNAME} / ${DOMAINNAME}`);
  },
};
