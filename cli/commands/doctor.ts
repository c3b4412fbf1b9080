// `twinbuild doctor`: what this machine can vary, and what is missing to vary more.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REGISTRY } from '../../variations/index.js';
import type { Need } from '../../variations/types.js';
import { canUseMountNamespaces, checkVariations, findOnPath } from '../../engine/prepare/availability.js';
import { EXIT } from '../../core/errors.js';
import { realProcesses } from '../../adapters/process.js';
import { freeBytes } from '../../engine/prepare/workspace.js';

export const DOCTOR_HELP = `Usage: twinbuild doctor [--install]

Checks what twinbuild needs on this machine: tools, /dev/fuse, private
namespaces, root, locales, free space in the temp dir, and which variations can
run. Exit 0 when everything is available, 3 otherwise.

  --install   as root, apt-get install the Debian packages that are missing
              (otherwise prints the command to run)
`;

// Tools outside the variations that twinbuild uses.
const EXTRA_TOOLS: readonly Extract<Need, { kind: 'tool' }>[] = [
  { kind: 'tool', name: 'unshare', pkg: 'util-linux' },
  { kind: 'tool', name: 'mountpoint', pkg: 'util-linux' },
  { kind: 'tool', name: 'localedef', pkg: 'locales' },
  { kind: 'tool', name: 'diffoscope', pkg: 'diffoscope-minimal' },
];

const MIN_FREE_BYTES = 2 * 1024 ** 3;

export async function runDoctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { install: { type: 'boolean' } }, strict: true });
  const tools = [...new Map([...EXTRA_TOOLS, ...REGISTRY.flatMap((v) => v.needs)].flatMap((n) => (n.kind === 'tool' ? [[n.name, n] as const] : []))).values()];
  const missing = [];
  const lines: string[] = ['tools:'];
  for (const tool of tools) {
    const path = await findOnPath(tool.name);
    if (!path) missing.push(tool);
    lines.push(`  ${path ? 'ok     ' : 'MISSING'} ${tool.name.padEnd(12)} ${path ?? `(Debian package ${tool.pkg})`}`);
  }
  const namespaces = await canUseMountNamespaces(realProcesses);
  const free = (await freeBytes(tmpdir())) ?? 0;
  const root = process.getuid?.() === 0;
  lines.push('machine:');
  lines.push(`  ${root ? 'ok     ' : 'no     '} root (needed by user_group, fileordering)`);
  lines.push(`  ${namespaces ? 'ok     ' : 'no     '} private mount/pid/uts namespaces (parallel builds at one path)`);
  lines.push(`  ${free >= MIN_FREE_BYTES ? 'ok     ' : 'LOW    '} ${(free / 1024 ** 3).toFixed(1)} GiB free in ${tmpdir()}`);

  const scratch = await mkdtemp(join(tmpdir(), 'twinbuild-'));
  let unavailable: string[];
  try {
    const { availability } = await checkVariations(REGISTRY, realProcesses, scratch, namespaces);
    lines.push('variations:');
    for (const a of availability) lines.push(`  ${a.available ? 'ok     ' : 'SKIPPED'} ${a.name.padEnd(13)} ${a.reason ?? a.note ?? ''}`.trimEnd());
    unavailable = availability.filter((a) => !a.available).map((a) => a.name);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  process.stdout.write(lines.join('\n') + '\n');

  const packages = [...new Set(missing.map((t) => t.pkg))];
  if (packages.length > 0) {
    const command = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
    if (values.install && root) {
      process.stderr.write(`doctor: installing ${packages.join(' ')}\n`);
      const env = { ...(process.env as Record<string, string>), DEBIAN_FRONTEND: 'noninteractive' };
      if ((await realProcesses.passthrough(['apt-get', 'update', '-qq'], env)) !== 0) return EXIT.infrastructure;
      if ((await realProcesses.passthrough(command, env)) !== 0) return EXIT.infrastructure;
      process.stderr.write('doctor: done; run twinbuild doctor again to check\n');
    } else {
      process.stdout.write(`to install what is missing, as root: apt-get update && ${command.join(' ')}\n`);
    }
  }
  const allGood = packages.length === 0 && unavailable.length === 0 && namespaces && free >= MIN_FREE_BYTES;
  process.stdout.write(allGood ? 'doctor: everything twinbuild can vary is available here\n' : `doctor: not everything is available (${[...unavailable, ...packages.map((p) => `package ${p}`)].join(', ') || 'see above'})\n`);
  return allGood ? EXIT.reproducible : EXIT.infrastructure;
}
