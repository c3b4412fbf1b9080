// `twinbuild clean`: removes the temp roots that a killed twinbuild left behind.
import { parseArgs } from 'node:util';
import { EXIT } from '../../core/errors.js';
import { reapStaleRoots, surveyTempRoots, treeBytes } from '../../engine/prepare/stale-roots.js';
import { SHIM_CACHE_NAME } from '../../adapters/disorderfs-shim.js';
import { LOCALES_CACHE_NAME } from '../../adapters/locales.js';
import { SANDBOX_CACHE_NAME } from '../../adapters/namespaces.js';
import { clearCached } from '../../adapters/user-cache.js';
import type { Command } from '../command.js';

export const CLEAN_HELP = `Usage: twinbuild clean

Removes the temp roots (TMPDIR/twinbuild-*) whose twinbuild is gone: a run that
was killed (SIGKILL, out of memory, a CI runner's hard stop) has no chance to
remove its own. What is still mounted below them is unmounted first (lazily).
check, sweep and verify do the same when they start; twinbuild doctor lists them.

Never touched: a root whose twinbuild is still running, one kept with --keep,
and one without a readable owner marker or made by another user, host or pid
namespace (each is listed with the reason). The one exception without a marker:
a root named with a twinbuild pid that is gone (twinbuild-PID-XXXXXX) and holding
nothing but part of a marker, which a kill cut short as it was being made. Exit 0, or 3 when a stale root could
not be removed.

Also empties twinbuild's cache (XDG_CACHE_HOME/twinbuild, else ~/.cache/twinbuild):
the compiled disorderfs preload and this boot's answers that the sandbox works
and that the experiment locales load, which the next check makes again. Only twinbuild's own files there are removed.
`;

/** 1.2 GiB, 340.0 MiB, 12.0 KiB: sizes as doctor and clean print them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export const cleanCommand: Command = { help: CLEAN_HELP, run: runClean };

async function runClean(
  args: string[],
  { env, runner, stdout, stderr }: Parameters<Command['run']>[1],
): Promise<number> {
  parseArgs({ args, options: {}, strict: true });
  const survey = await surveyTempRoots(env.tempDir);
  const sizes = new Map(
    await Promise.all(
      survey.filter((r) => r.state === 'stale').map(async (r) => [r.root, await treeBytes(r.root)] as const),
    ),
  );
  const { removed, failed } = await reapStaleRoots(env.tempDir, runner);
  for (const r of removed) stdout.write(`removed ${r.root} (${formatBytes(sizes.get(r.root) ?? 0)}; ${r.reason})\n`);
  for (const r of survey.filter((s) => s.state !== 'stale')) stdout.write(`left ${r.root} (${r.reason})\n`);
  for (const r of failed) stderr.write(`twinbuild clean: could not remove ${r.root}: ${r.error}\n`);
  if (removed.length === 0 && failed.length === 0) stdout.write(`clean: no stale temp roots in ${env.tempDir}\n`);
  const cached = env.cacheDir
    ? await clearCached(env.cacheDir, [SHIM_CACHE_NAME, SANDBOX_CACHE_NAME, LOCALES_CACHE_NAME])
    : [];
  if (cached.length > 0) stdout.write(`removed ${cached.length} cached file(s) from ${env.cacheDir}\n`);
  return failed.length > 0 ? EXIT.infrastructure : EXIT.reproducible;
}
