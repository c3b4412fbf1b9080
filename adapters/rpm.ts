// RPM's tools: whether diffoscope can compare RPM headers in depth, and what a published RPM's header says.
import { open } from 'node:fs/promises';
import { TwinbuildError } from '../core/errors.js';
import type { ProcessRunner } from './process.js';

// Note: the binding must be importable by the Python diffoscope runs on (its
// shebang, /usr/bin/python3 on Debian), not by whatever python3 is first on PATH.
async function interpreterOf(script: string): Promise<string | null> {
  const handle = await open(script, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, 256, 0);
    const match = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(buffer.subarray(0, bytesRead).toString('utf8'));
    if (!match) return null;
    return match[1]!.endsWith('/env') ? (match[2] ?? null) : match[1]!;
  } finally {
    await handle.close();
  }
}

/** rpm's Python binding (Debian python3-rpm) as diffoscope at `diffoscope` would import it; without it RPMs are compared byte by byte. */
export async function diffoscopeHasPythonRpm(runner: ProcessRunner, diffoscope: string): Promise<boolean> {
  const python = (await interpreterOf(diffoscope)) ?? 'python3';
  const outcome = await runner.capture([python, '-c', 'import rpm']).catch(() => null);
  return outcome?.exitCode === 0;
}

export type RpmHeader = Readonly<{
  name: string;
  buildHost: string;
  buildTime: string;
  /** rpm's description of the signature, e.g. "RSA/SHA512, …, Key ID …"; null when unsigned. */ signature:
    string | null;
}>;

const HEADER_FORMAT = [
  'NAME',
  'BUILDHOST',
  'BUILDTIME',
  'RSAHEADER:pgpsig',
  'DSAHEADER:pgpsig',
  'SIGPGP:pgpsig',
  'SIGGPG:pgpsig',
]
  .map((tag) => `%{${tag}}`)
  .join('\\n');

// Note: --nomanifest, because rpm -qp reads a file that is not an RPM as a list of
// paths to open; the caller has checked the magic numbers first as well.
/** The header fields verify pins and reports, read with `rpm -qp --qf`; a file rpm cannot read is exit 2. */
export async function readRpmHeader(runner: ProcessRunner, file: string): Promise<RpmHeader> {
  const outcome = await runner.capture([
    'rpm',
    '-qp',
    '--nomanifest',
    '--nosignature',
    '--qf',
    `${HEADER_FORMAT}\\n`,
    '--',
    file,
  ]);
  const lines = outcome.stdout.split('\n');
  if (outcome.exitCode !== 0 || lines.length < 7) {
    const why =
      outcome.stderr
        .split('\n')
        .find((l) => l.startsWith('error:'))
        ?.replace(/^error:\s*/, '') ?? `rpm exited with ${outcome.exitCode}`;
    throw new TwinbuildError('usage', `cannot read the RPM header of ${file}: ${why}`);
  }
  const [name, buildHost, buildTime, ...signatures] = lines as [string, string, string, ...string[]];
  return { name, buildHost, buildTime, signature: signatures.slice(0, 4).find((s) => s && s !== '(none)') ?? null };
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

async function isElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return bytesRead === 4 && buffer.equals(ELF_MAGIC);
  } finally {
    await handle.close();
  }
}

const COMP_DIR = /DW_AT_comp_dir\s*:\s*(?:\([^)]*\):\s*)?(\S.*)$/;

// Note: a stripped ELF file (rpm's brp-strip runs strip -g) has no debug info left:
// only an unstripped one, or a -debuginfo package's .debug file, names its build directory.
/**
 * The compilation directories (DW_AT_comp_dir) recorded in the ELF files of an RPM's
 * payload, unpacked into `scratch` (an empty directory the caller removes); [] when none.
 */
export async function rpmCompDirs(runner: ProcessRunner, file: string, scratch: string): Promise<string[]> {
  const unpack = await runner.capture([
    'sh',
    '-c',
    'rpm2archive - < "$1" | tar -xzf - -C "$2" --no-same-owner --no-same-permissions',
    'twinbuild-unpack',
    file,
    scratch,
  ]);
  if (unpack.exitCode !== 0) return [];
  const found = await runner.capture(['find', scratch, '-type', 'f', '-print0']);
  const files = found.stdout.split('\0').filter(Boolean);
  const dirs = new Set<string>();
  for (const elf of files) {
    if (!(await isElf(elf))) continue;
    const dump = await runner.capture(['readelf', '--debug-dump=info', '--dwarf-depth=1', '--', elf]);
    for (const line of dump.stdout.split('\n')) {
      const dir = COMP_DIR.exec(line)?.[1]?.trim();
      if (dir) dirs.add(dir);
    }
  }
  return [...dirs];
}
