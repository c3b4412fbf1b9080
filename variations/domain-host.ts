import { addSetup, inNamespace, record } from './plan.js';
import type { Variation } from './types.js';

const HOSTNAME = 'i-capture-the-hostname';
const DOMAINNAME = 'i-capture-the-domainname';

// Each build has its own UTS namespace, so renaming the experiment's host never touches the real one.
export const domainHost: Variation = {
  name: 'domain_host',
  summary: 'hostname and NIS domain name',
  control: "the host's names",
  experiment: `hostname ${HOSTNAME}, domainname ${DOMAINNAME}`,
  needs: [
    { kind: 'tool', name: 'hostname', pkg: 'hostname' },
    { kind: 'tool', name: 'domainname', pkg: 'hostname' },
    { kind: 'mount-namespace' },
  ],
  observe: [
    { channel: 'uname -n', command: 'tb_uname n' },
    // What getdomainname() returns (domainname(1)): the build's UTS namespace's, as uname(2) gives it.
    { channel: 'domainname', command: 'tb_cat /proc/sys/kernel/domainname' },
    { channel: '/etc/hostname', command: 'tb_cat /etc/hostname || echo "(none)"' },
  ],
  limits: 'DNS and /etc/hosts still answer for the real host',
  apply(plan, ctx, vary) {
    if (!vary) return record(plan, 'domain_host', "host's");
    // /etc/hostname too, so a build reading the file sees the same name as uname.
    const file = `${ctx.scratchDir}/hostname-${plan.side}`;
    const written = addSetup(plan, {
      description: "write the experiment's /etc/hostname",
      argv: ['/bin/sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'twinbuild-hostname', HOSTNAME, file],
    });
    const renamed = inNamespace(
      inNamespace(inNamespace(written, { kind: 'hostname', name: HOSTNAME }), { kind: 'domainname', name: DOMAINNAME }),
      { kind: 'bind', source: file, target: '/etc/hostname' },
    );
    return record(renamed, 'domain_host', `${HOSTNAME} / ${DOMAINNAME}`);
  },
};
