// Checks, once and before any build, what each variation needs from this machine.
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { availableParallelism, machine } from 'node:os';
import { delimiter, join } from 'node:path';
import type { HostFacts, Need, Variation } from '../../variations/types.js';
import { compileLocale, localeCharmaps, loadsAs } from '../../adapters/locales.js';
import { findExecutable, type ProcessRunner } from '../../adapters/process.js';

export type Availability = Readonly<{ name: string; available: boolean; reason?: string; note?: string }>;

/** Where `tool` is on `path`, if anywhere (the process adapter's lookup; empty entries skipped). */
export async function findOnPath(tool: string, path: string): Promise<string | undefined> {
  return findExecutable(tool, path.split(delimiter).filter(Boolean)) ?? undefined;
}

type NeedCheck = Readonly<{ ok: boolean; reason?: string; note?: string; facts?: Partial<HostFacts> }>;

/** Whether glibc can load each name: `locale charmap` under it names its charset, not ASCII's. */
async function localesLoad(
  names: readonly string[],
  runner: ProcessRunner,
  path: string,
  cacheDir: string | null,
): Promise<boolean[]> {
  return loadsAs(names, await localeCharmaps(runner, names, path, cacheDir));
}

// Note: missing locales are generated into twinbuild's own temp root (LOCPATH),
// never into the system's locale archive, so the host is left unchanged.
async function checkLocales(
  names: readonly string[],
  runner: ProcessRunner,
  scratchDir: string,
  path: string,
  cacheDir: string | null,
): Promise<NeedCheck> {
  const loads = await localesLoad(names, runner, path, cacheDir);
  const installed = names.filter((_, i) => loads[i]);
  if (installed.length === names.length)
    return { ok: true, note: `${installed.join(', ')} installed`, facts: { locales: installed } };
  const localePath = join(scratchDir, 'locales');
  await mkdir(localePath, { recursive: true });
  const generated: string[] = [];
  let why = '';
  for (const name of [...names.filter((n) => !installed.includes(n)), 'C.UTF-8']) {
    const [input, charset = 'UTF-8'] = name.split('.');
    const made = await compileLocale(runner, input ?? '', charset, join(localePath, name));
    // localedef exits 1 on mere warnings but still writes the locale.
    if (existsSync(join(localePath, name, 'LC_CTYPE'))) generated.push(name);
    else why ||= (made.stderr || made.stdout).split('\n')[0] || 'localedef failed';
  }
  const usable = [...installed, ...generated.filter((n) => n !== 'C.UTF-8')];
  if (!generated.includes('C.UTF-8') || generated.length === 1) {
    if (installed.length > 0)
      return {
        ok: true,
        note: `${installed.join(', ')} installed; others could not be generated (${why})`,
        facts: { locales: installed },
      };
    return {
      ok: false,
      reason:
        `none of ${names.join(', ')} is installed or could be generated ` +
        `(${why || 'localedef failed'}); install the "locales" package`,
    };
  }
  return {
    ok: true,
    note:
      `${installed.length ? `${installed.join(', ')} installed; ` : ''}` +
      `${generated.filter((n) => n !== 'C.UTF-8').join(', ')} generated privately (LOCPATH)`,
    facts: { locales: usable, localePath },
  };
}

/** Expands "0-3,6" into [0, 1, 2, 3, 6]. */
export function parseCpuList(text: string): number[] {
  return text
    .trim()
    .split(',')
    .filter(Boolean)
    .flatMap((part) => {
      const [from, to] = part.split('-').map(Number);
      if (from === undefined || Number.isNaN(from)) return [];
      return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
    });
}

const realOr = (path: string) => realpath(path).catch(() => path);

/** Facts about this machine that plans depend on, read once. */
export async function hostFacts(namespaces = false): Promise<HostFacts> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const allowed = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1];
  const cpuList = allowed ? parseCpuList(allowed) : Array.from({ length: availableParallelism() }, (_, i) => i);
  const uid = process.getuid?.() ?? 0;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const gecos =
    passwd
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[2] === String(uid))?.[4] ?? '';
  return {
    machine: machine(),
    cpuList,
    shPath: await realOr('/bin/sh'),
    dashPath: await realOr('/bin/dash'),
    bashPath: await realOr('/bin/bash'),
    uid,
    gid: process.getgid?.() ?? 0,
    gecos,
    namespaces,
  };
}

type NeedEnv = Readonly<{
  runner: ProcessRunner;
  scratchDir: string;
  namespaces: boolean | Promise<boolean>;
  host: HostFacts;
  path: string;
  cacheDir: string | null;
}>;

async function checkNeed(
  need: Need,
  { runner, scratchDir, namespaces, host, path, cacheDir }: NeedEnv,
): Promise<NeedCheck> {
  switch (need.kind) {
    case 'tool':
      return (await findOnPath(need.name, path))
        ? { ok: true }
        : { ok: false, reason: `${need.name} not found (Debian package ${need.pkg})` };
    case 'root':
      return host.uid === 0 ? { ok: true } : { ok: false, reason: 'needs root' };
    case 'fuse':
      return existsSync('/dev/fuse') ? { ok: true } : { ok: false, reason: 'no /dev/fuse' };
    case 'cpus':
      return host.cpuList.length >= need.min
        ? { ok: true }
        : { ok: false, reason: `needs ≥${need.min} CPUs, this process may use ${host.cpuList.length}` };
    case 'mount-namespace':
      return (await namespaces)
        ? { ok: true }
        : {
            ok: false,
            reason:
              'needs private mount namespaces, which are not in use (not allowed here, or --isolation sequential)',
          };
    case 'locales':
      return checkLocales(need.names, runner, scratchDir, path, cacheDir);
  }
}

export async function checkVariations(
  variations: readonly Variation[],
  runner: ProcessRunner,
  scratchDir: string,
  /** Whether builds will run in private namespaces (may still be being probed). */
  namespaces: boolean | Promise<boolean>,
  /** The PATH tools are looked up in (the one builds get). */
  path: string,
  /** twinbuild's cache dir, where an answer that holds until the next boot may be kept; null: none. */
  cacheDir: string | null = null,
): Promise<{ availability: Availability[]; host: HostFacts }> {
  const base = await hostFacts(await namespaces);
  // Variations are checked concurrently; each one's needs in order, stopping at the first missing.
  const checked = await Promise.all(
    variations.map(async (variation) => {
      const notes: string[] = [];
      let facts: Partial<HostFacts> = {};
      for (const need of variation.needs) {
        const check = await checkNeed(need, { runner, scratchDir, namespaces, host: base, path, cacheDir });
        facts = { ...facts, ...check.facts };
        if (check.note) notes.push(check.note);
        if (!check.ok)
          return {
            availability: {
              name: variation.name,
              available: false,
              reason: check.reason ?? 'unavailable',
              ...(notes.length ? { note: notes.join('; ') } : {}),
            },
            facts,
          };
      }
      return {
        availability: { name: variation.name, available: true, ...(notes.length ? { note: notes.join('; ') } : {}) },
        facts,
      };
    }),
  );
  const availability: Availability[] = checked.map((c) => c.availability);
  const host: HostFacts = checked.reduce((h, c) => ({ ...h, ...c.facts }), base);
  return { availability, host };
}
