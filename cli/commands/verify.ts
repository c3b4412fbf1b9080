// `twinbuild verify`: rebuild published packages and say whether they match,
// with an in-toto link on a match. One upload, or a directory of them.
import { dirname, join, resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import { VERSION } from '../../core/paths.js';
import type { PackageResult } from '../../reports/model.js';
import { runResult } from '../../reports/model.js';
import { consoleProgress } from '../../reports/progress.js';
import { loadSigningKey } from '../../attest/keys.js';
import { findUploads } from '../../rebuilder/bulk.js';
import { runVerify } from '../../rebuilder/verify.js';
import { inShard, parseShard } from '../../suites/shard.js';
import { runSweep } from '../../suites/sweep.js';
import { lineProgress, publishRun, type Command } from '../command.js';
import { hostInfo } from '../environment.js';
import { RECIPE_FLAGS, RUN_FLAGS, parseFlags } from '../flags.js';
import { assertOutDirApart, prepareOutDir, type OutDirLock } from '../out-dir.js';
import { commandRerun } from '../rerun.js';
import { packageOptions, parseRunSettings, requireSandbox } from '../settings.js';

export const VERIFY_HELP = `Usage: twinbuild verify SOURCE --published FILE... [--buildinfo FILE] [options]
       twinbuild verify --dir DIR [--jobs N] [--shard I/N] [options]

Rebuilds SOURCE (a directory, a Debian .dsc or a .src.rpm) once and compares every published
artifact (e.g. the official .deb files) byte for byte with the rebuilt one.
With --buildinfo (Debian .buildinfo) the rebuild takes from its Environment only
SOURCE_DATE_EPOCH, DEB_BUILD_OPTIONS, DEB_BUILD_PROFILES, TZ and the locale
variables (LANG, LANGUAGE, LC_*), each with a plain value (no path); every other
variable (PATH, LD_PRELOAD, BASH_ENV, CC, CFLAGS, FAKETIME_*…) is refused and listed
in results.json's verify.notPinned. The published files are checked
against its Checksums-Sha256 (a disagreement is exit 2), and Installed-Build-Depends
that differ on this machine are listed as a likely cause of a mismatch (they are
not fetched: no snapshot archive access is assumed). Build-Path is not pinned,
nor is a parallel=N in DEB_BUILD_OPTIONS (the rebuild runs on 1 CPU with parallel=1;
listed in verify.notPinned). Without --buildinfo nothing is pinned, and a mismatch
says so.
RPMs (SOURCE a .src.rpm or a directory with one .spec; --published the .rpm files):
BUILDHOST and BUILDTIME are taken from the published headers (rpm's _buildhost, and
SOURCE_DATE_EPOCH with use_source_date_epoch_as_buildtime and the mtime clamp);
--buildinfo takes rpmreproduce's Format: 0.2-rpm (checksums checked, Environment
allowlisted as for Debian). A signed published RPM is compared with its signature header
set aside (lead, main header and payload byte for byte); a file that is not an RPM
is exit 2.
On a match, with --signing-key, writes an in-toto link OUT/rebuild.<keyid8>.link
(materials: the source; products: the published artifacts, as published).

--dir DIR verifies every .dsc in DIR against the .deb/.udeb files of its Binary
packages and its .buildinfo, with the sweep's machinery (jobs, shards, one report set).

Options:
  --published FILE       a published artifact (repeatable)
  --buildinfo FILE       the .buildinfo the published artifacts were built with
  --signing-key KEY      ed25519 private key (PEM) for the in-toto link (twinbuild keygen)
  --preset, --build, --artifacts, --ignore-scripts   as for check (default: auto → debian for a .dsc)
  --out DIR, --timeout D, --env NAME=VALUE, --isolation MODE, --keep, --no-diffoscope,
  --json, --quiet, --reporter NAME, --max-processes N, --max-memory SIZE, --issue-types FILE   as for check
                         (never --network: a rebuild gets loopback only)
  --allow-unsandboxed    rebuild even where no sandbox can be made (docs/sandbox.md)
  --jobs N, --shard I/N  with --dir: uploads verified at once; this shard only

Exit codes: 0 verified · 1 mismatch · 2 usage (incl. a buildinfo that disagrees with
the published files) · 3 the rebuild failed
`;

const VERIFY_FLAGS = [
  ...RUN_FLAGS,
  ...RECIPE_FLAGS,
  'published',
  'buildinfo',
  'signing-key',
  'dir',
  'shard',
  'allow-unsandboxed',
] as const;

export const verifyCommand: Command = {
  help: VERIFY_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, VERIFY_FLAGS);
    const parsed = parseRunSettings(values, ctx.env);
    // A rebuild that reads the network proves nothing about the published bytes.
    if (parsed.network) throw usageError('verify never gives a rebuild the network: leave out --network');
    await requireSandbox(parsed.isolation, values['allow-unsandboxed'] ?? false, ctx.runner, 'verify');
    const signingKey = values['signing-key'] ? resolve(ctx.env.cwd, values['signing-key']) : null;
    // The key's directory is hidden from every rebuild, as the rebuilder's state is.
    const settings = {
      ...parsed,
      bisect: false,
      hide: [...(parsed.hide ?? []), ...(signingKey && dirname(signingKey) !== '/' ? [dirname(signingKey)] : [])],
    };
    // A bad key is exit 2 before any rebuild, not after.
    if (signingKey) await loadSigningKey(signingKey);
    const jobs = settings.jobs ?? ctx.env.cpus;
    const startedAt = new Date().toISOString();
    let packages: PackageResult[];
    let notFinished: string[] = [];
    let outLock: OutDirLock | null = null;
    try {
      if (values.dir) {
        if (positionals.length > 0 || values.published)
          throw usageError('verify --dir takes no SOURCE or --published: it pairs each .dsc with its files');
        const shard = parseShard(values.shard, ctx.env.vars);
        const uploads = (await findUploads(resolve(ctx.env.cwd, values.dir))).filter((u) => inShard(u.name, shard));
        const byName = new Map(uploads.map((u) => [u.name, u]));
        const atOnce = settings.jobs ?? Math.max(1, Math.floor(ctx.env.cpus / 2));
        const items = await Promise.all(
          uploads.map((u) =>
            packageOptions(u.dsc, { preset: values.preset, name: u.name, varyNothing: true }, settings, ctx.env, jobs),
          ),
        );
        await assertOutDirApart(settings.outDir, [{ path: resolve(ctx.env.cwd, values.dir), label: '--dir' }]);
        outLock = await prepareOutDir(settings.outDir);
        const outcome = await runSweep(
          items,
          {
            outDir: settings.outDir,
            jobs: atOnce,
            ignores: [],
            runOne: (options, deps) => {
              const upload = byName.get(options.name)!;
              const link = signingKey ? { dir: join(settings.outDir, 'links', options.name), signingKey } : null;
              return runVerify(
                { options, published: upload.published, buildinfo: upload.buildinfo, link, shownFrom: ctx.env.cwd },
                deps,
              );
            },
          },
          { runner: ctx.runner, signal: ctx.signal, progress: lineProgress(settings, ctx) },
        );
        packages = outcome.packages;
        notFinished = outcome.notFinished;
      } else {
        if (positionals.length !== 1)
          throw usageError('verify takes one SOURCE (a directory, a .dsc or a .src.rpm), or --dir DIR');
        if (!values.published?.length)
          throw usageError('verify needs --published FILE (the artifacts to verify), repeatable');
        const options = await packageOptions(
          positionals[0]!,
          {
            preset: values.preset,
            build: values.build,
            artifacts: values.artifacts,
            ignoreScripts: values['ignore-scripts'],
            rpmReproducibleMacros: values['rpm-reproducible-macros'],
            varyNothing: true,
            rerun: commandRerun('verify', args, VERIFY_FLAGS),
          },
          settings,
          ctx.env,
          jobs,
        );
        await assertOutDirApart(settings.outDir, [{ path: options.source, label: 'SOURCE' }]);
        outLock = await prepareOutDir(settings.outDir);
        const progress = consoleProgress(ctx.stderr, settings.quiet || settings.json, {
          dumb: ctx.env.vars['TERM'] === 'dumb',
        });
        try {
          const request = {
            options,
            published: values.published.map((p) => resolve(ctx.env.cwd, p)),
            buildinfo: values.buildinfo ? resolve(ctx.env.cwd, values.buildinfo) : null,
            link: signingKey ? { dir: settings.outDir, signingKey } : null,
            shownFrom: ctx.env.cwd,
          };
          packages = [await runVerify(request, { runner: ctx.runner, signal: ctx.signal, progress: progress.sink })];
        } finally {
          progress.stop();
        }
      }
      const incomplete = ctx.signal.aborted ? { reason: 'interrupted', notFinished } : null;
      const result = runResult({
        command: 'verify',
        version: VERSION,
        startedAt,
        seed: 0,
        host: hostInfo(),
        packages,
        incomplete,
      });
      return await publishRun(result, settings, ctx, values.dir ? 'summary' : 'package');
    } finally {
      outLock?.release();
    }
  },
};
