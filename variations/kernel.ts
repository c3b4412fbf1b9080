import { record, withPersonality } from './plan.js';
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
    { channel: 'uname -m', command: 'uname -m' },
    { channel: 'uname -r', command: 'uname -r' },
  ],
  limits: '/proc/sys/kernel/osrelease and /proc/version still show the real kernel',
  apply(plan, ctx, vary) {
    if (!vary) return record(withPersonality(plan, ctx.host.machine), 'kernel', ctx.host.machine);
    const others = COMPATIBLE[ctx.host.machine] ?? [];
    const arch = others.length > 0 ? ctx.rng.pick(others) : ctx.host.machine;
    return record(withPersonality(plan, arch, ['--uname-2.6']), 'kernel', `${arch} --uname-2.6`);
  },
};
