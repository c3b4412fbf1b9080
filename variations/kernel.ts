import { addSetup, inNamespace, record, withPersonality, type BuildPlan } from './plan.js';
import type { Variation } from './types.js';

// 32-bit personalities a 64-bit kernel can report for its own binaries.
const COMPATIBLE: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['i386', 'i486', 'i586', 'i686'],
  aarch64: ['armv7l', 'armv8l'],
  ppc64: ['ppc', 'ppc32'],
  ppc64le: ['ppc64'],
  s390x: ['s390'],
  sparc64: ['sparc', 'sparc32'],
};

export const kernel: Variation = {
  name: 'kernel',
  summary: 'kernel personality: machine name and kernel version (uname)',
  control: 'setarch $(uname -m)',
  experiment: 'setarch <a compatible 32-bit arch, by seed> --uname-2.6',
  needs: [{ kind: 'tool', name: 'setarch', pkg: 'util-linux' }],
  observe: [
    { channel: 'uname -m', command: 'tb_uname m' },
    { channel: 'uname -r', command: 'tb_uname r' },
    { channel: '/proc/sys/kernel/osrelease', command: 'tb_cat /proc/sys/kernel/osrelease', needsNamespaces: true },
    {
      channel: '/proc/version',
      command: 'read -r tb_a tb_b tb_c tb_x < /proc/version; echo "$tb_a $tb_b $tb_c"',
      needsNamespaces: true,
    },
  ],
  limits:
    '/proc/cpuinfo still describes the real machine; without namespaces, ' +
    '/proc/sys/kernel/osrelease and /proc/version show the real kernel too',
  apply(plan, ctx, vary) {
    if (!vary) return record(withPersonality(plan, ctx.host.machine), 'kernel', ctx.host.machine);
    const others = COMPATIBLE[ctx.host.machine] ?? [];
    const arch = others.length > 0 ? ctx.rng.pick(others) : ctx.host.machine;
    const renamed = ctx.host.namespaces ? withKernelFiles(plan, arch, ctx.scratchDir) : plan;
    return record(withPersonality(renamed, arch, ['--uname-2.6']), 'kernel', `${arch} --uname-2.6`);
  },
};

// /proc/sys/kernel/osrelease and /proc/version as uname -r will say under the
// personality, bound over the real ones inside the build's mount namespace. One
// program (setarch, exec'ing uname); the rest is the shell's: the real release, as
// /proc/version holds it, is replaced there (its first occurrence, as text).
const KERNEL_FILES =
  'r=$(setarch "$1" --uname-2.6 uname -r) && printf "%s\\n" "$r" > "$2" && ' +
  'read -r real < /proc/sys/kernel/osrelease && read -r v < /proc/version && ' +
  'case $v in *"$real"*) v=${v%%"$real"*}$r${v#*"$real"} ;; esac && printf "%s\\n" "$v" > "$3"';

function withKernelFiles(plan: BuildPlan, arch: string, scratchDir: string): BuildPlan {
  const [release, version] = [`${scratchDir}/osrelease-${plan.side}`, `${scratchDir}/version-${plan.side}`];
  const written = addSetup(plan, {
    description: "write the experiment's kernel release files",
    argv: ['/bin/sh', '-c', KERNEL_FILES, 'twinbuild-kernel', arch, release, version],
  });
  return inNamespace(inNamespace(written, { kind: 'bind', source: release, target: '/proc/sys/kernel/osrelease' }), {
    kind: 'bind',
    source: version,
    target: '/proc/version',
  });
}
