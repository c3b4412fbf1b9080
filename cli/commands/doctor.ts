// `twinbuild doctor`: what this machine can vary, and what is missing to vary more.
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { REGISTRY } from '../../variations/index.js';
import type { Need } from '../../variations/types.js';
import { canUseMountNamespaces } from '../../adapters/namespaces.js';
import { diffoscopeHasPythonRpm } from '../../adapters/rpm.js';
import { checkVariations, findOnPath } from '../../engine/prepare/availability.js';
import { EXIT } from '../../core/errors.js';
import type { Command } from '../command.js';
import { createTempRoot, freeBytes } from '../../engine/prepare/workspace.js';
import { surveyTempRoots, treeBytes } from '../../engine/prepare/stale-roots.js';
import { formatBytes } from './clean.js';

export const DOCTOR_HELP = `Usage: twinbuild doctor [--install]

Checks what twinbuild needs on this machine: tools, /dev/fuse, private
namespaces, root, locales, free space in the temp dir, and which variations can
run; lists the temp roots a killed twinbuild left (twinbuild clean removes them)
and each preset's tools (debian: dpkg-buildpackage, dpkg-source, dh, fakeroot;
npm: npm; rpm: rpmbuild, rpm2archive, rpm2cpio, python3-rpm), which are
optional: their absence does not change the exit code.
Exit 0 when everything is available, 3 otherwise.

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

type Tool = Extract<Need, { kind: 'tool' }>;

// What each preset builds with; reported apart and never failing doctor, since
// only the packages of that kind need them (the generic preset runs --build).
const PRESET_TOOLS: Readonly<Record<'debian' | 'npm' | 'rpm', Readonly<{ label: string; tools: readonly Tool[] }>>> = {
  debian: {
    label: 'Debian',
    tools: [
      { kind: 'tool', name: 'dpkg-buildpackage', pkg: 'dpkg-dev' },
      { kind: 'tool', name: 'dpkg-source', pkg: 'dpkg-dev' },
      { kind: 'tool', name: 'dh', pkg: 'debhelper' },
      { kind: 'tool', name: 'fakeroot', pkg: 'fakeroot' },
    ],
  },
  npm: { label: 'npm', tools: [{ kind: 'tool', name: 'npm', pkg: 'npm' }] },
  rpm: {
    label: 'RPM',
    tools: [
      { kind: 'tool', name: 'rpmbuild', pkg: 'rpm' },
      { kind: 'tool', name: 'rpm2archive', pkg: 'rpm2cpio' },
      { kind: 'tool', name: 'rpm2cpio', pkg: 'rpm2cpio' },
    ],
  },
};

const toolLine = (state: string, name: string, what: string) => `  ${state.padEnd(7)} ${name.padEnd(17)} ${what}`;

async function describePresetTools(runner: Parameters<Command['run']>[1]['runner'], path: string): Promise<string[]> {
  const lines: string[] = [];
  for (const [preset, { label, tools }] of Object.entries(PRESET_TOOLS)) {
    lines.push(`${preset} preset (optional: only ${label} packages need these):`);
    const absent = new Set<string>();
    for (const tool of tools) {
      const found = await findOnPath(tool.name, path);
      if (!found) absent.add(tool.pkg);
      lines.push(toolLine(found ? 'ok' : 'absent', tool.name, found ?? `(Debian package ${tool.pkg})`));
    }
    if (preset === 'rpm') {
      const diffoscope = await findOnPath('diffoscope', path);
      const binding = diffoscope !== undefined && (await diffoscopeHasPythonRpm(runner, diffoscope));
      if (!binding) absent.add('python3-rpm');
      lines.push(
        toolLine(
          binding ? 'ok' : 'absent',
          'python3-rpm',
          binding
            ? 'diffoscope compares RPM headers and payloads'
            : '(Debian package python3-rpm; diffoscope falls back to bytes)',
        ),
      );
    }
    if (absent.size > 0)
      lines.push(
        `  for ${label} packages, as root: apt-get install -y --no-install-recommends ${[...absent].join(' ')}`,
      );
  }
  return lines;
}

const MIN_FREE_BYTES = 2 * 1024 ** 3;

export const doctorCommand: Command = { help: DOCTOR_HELP, run: runDoctor };

async function runDoctor(
  args: string[],
  { env, runner, stdout, stderr }: Parameters<Command['run']>[1],
): Promise<number> {
  const { values } = parseArgs({ args, options: { install: { type: 'boolean' } }, strict: true });
  const tools = [
    ...new Map(
      [...EXTRA_TOOLS, ...REGISTRY.flatMap((v) => v.needs)].flatMap((n) =>
        n.kind === 'tool' ? [[n.name, n] as const] : [],
      ),
    ).values(),
  ];
  const missing = [];
  const lines: string[] = ['tools:'];
  for (const tool of tools) {
    const path = await findOnPath(tool.name, env.path);
    if (!path) missing.push(tool);
    lines.push(`  ${path ? 'ok     ' : 'MISSING'} ${tool.name.padEnd(12)} ${path ?? `(Debian package ${tool.pkg})`}`);
  }
  const namespaces = await canUseMountNamespaces(runner);
  const free = (await freeBytes(env.tempDir)) ?? 0;
  const root = env.isRoot;
  lines.push('machine:');
  lines.push(`  ${root ? 'ok     ' : 'no     '} root (needed by user_group, fileordering)`);
  lines.push(
    namespaces
      ? '  ok      build sandbox: bubblewrap in user, pid, net, ipc and uts namespaces (docs/sandbox.md)'
      : '  no      build sandbox (bubblewrap or user namespaces missing): check builds NOT SANDBOXED, one side ' +
          'after the other; verify and the rebuilder refuse without --allow-unsandboxed',
  );
  lines.push(
    `  ${free >= MIN_FREE_BYTES ? 'ok     ' : 'LOW    '} ${(free / 1024 ** 3).toFixed(1)} GiB free in ${env.tempDir}`,
  );

  lines.push(...(await describeTempRoots(env.tempDir)));
  lines.push(...(await describePresetTools(runner, env.path)));

  const scratch = await createTempRoot(env.tempDir);
  let unavailable: string[];
  try {
    const { availability } = await checkVariations(REGISTRY, runner, scratch, namespaces, env.path);
    lines.push('variations:');
    for (const a of availability)
      lines.push(`  ${a.available ? 'ok     ' : 'SKIPPED'} ${a.name.padEnd(13)} ${a.reason ?? a.note ?? ''}`.trimEnd());
    unavailable = availability.filter((a) => !a.available).map((a) => a.name);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  stdout.write(lines.join('\n') + '\n');

  const packages = [...new Set(missing.map((t) => t.pkg))];
  if (packages.length > 0) {
    const command = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
    if (values.install && root) {
      stderr.write(`doctor: installing ${packages.join(' ')}\n`);
      const aptEnv = { ...(env.vars as Record<string, string>), DEBIAN_FRONTEND: 'noninteractive' };
      if ((await runner.passthrough(['apt-get', 'update', '-qq'], aptEnv)) !== 0) return EXIT.infrastructure;
      if ((await runner.passthrough(command, aptEnv)) !== 0) return EXIT.infrastructure;
      stderr.write('doctor: done; run twinbuild doctor again to check\n');
    } else {
      stdout.write(`to install what is missing, as root: apt-get update && ${command.join(' ')}\n`);
    }
  }
  const allGood = packages.length === 0 && unavailable.length === 0 && namespaces && free >= MIN_FREE_BYTES;
  stdout.write(
    allGood
      ? 'doctor: everything twinbuild can vary is available here\n'
      : `doctor: not everything is available (${[...unavailable, ...packages.map((p) => `package ${p}`)].join(', ') || 'see above'})\n`,
  );
  return allGood ? EXIT.reproducible : EXIT.infrastructure;
}

// Stale roots only cost disk space, so they are listed without failing doctor.
async function describeTempRoots(tempDir: string): Promise<string[]> {
  const roots = (await surveyTempRoots(tempDir)).filter((r) => r.state !== 'in-use');
  if (roots.length === 0) return [];
  const lines = ['temp roots:'];
  for (const r of roots) {
    const label = r.state === 'stale' ? 'STALE  ' : r.state.padEnd(7);
    const size = r.state === 'stale' || r.state === 'kept' ? `, ${formatBytes(await treeBytes(r.root))}` : '';
    lines.push(`  ${label} ${r.root} (${r.reason}${size})`);
  }
  if (roots.some((r) => r.state === 'stale')) lines.push('  run twinbuild clean to remove the stale ones');
  return lines;
}
