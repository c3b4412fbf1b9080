// `twinbuild sweep [ROOT]`: every package of a repository (from the config or by
// preset markers), checked under one bound, sharded, compared with a baseline,
// one report set.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { VERSION } from '../../core/paths.js';
import { exitCodeFor, runResult } from '../../reports/model.js';
import { readResults } from '../../reports/read.js';
import { compareWithBaseline, baselineExitCode } from '../../suites/baseline.js';
import { changedPackages } from '../../suites/changes.js';
import { CONFIG_FILE, loadConfig, type Config } from '../../suites/config.js';
import { discoverPackages, notFollowed, type SweepPackage } from '../../suites/discovery.js';
import { compileIgnores } from '../../suites/ignore.js';
import { inShard, parseShard } from '../../suites/shard.js';
import { runSweep } from '../../suites/sweep.js';
import { parseVarySpecs } from '../../variations/spec.js';
import { lineProgress, publishRun, sayNotes, type Command, type CommandContext } from '../command.js';
import { displayPath, hostInfo } from '../environment.js';
import { RUN_FLAGS, parseFlags } from '../flags.js';
import { assertOutDirApart, prepareOutDir } from '../out-dir.js';
import { sweepPackageRerun } from '../rerun.js';
import { assertNotSystemTree } from '../settings.js';
import { parseDuration } from '../parse.js';
import { SWEEP_BISECT_BUDGET, packageOptions, parseRunSettings, type Recipe, type RunSettings } from '../settings.js';
import type { PackageOptions } from '../../engine/options.js';

export const SWEEP_HELP = `Usage: twinbuild sweep [ROOT=.] [options]

Checks every package under ROOT: those listed in ROOT/${CONFIG_FILE} (or --config),
else every directory with a debian/control, a package.json or a .spec, and every
.src.rpm file (node_modules, .git and the output dir left out). Writes one report set to OUT: results.json,
junit.xml (a testsuite per package), index.html with a badge, badge.svg, and
OUT/packages/*.json as each package finishes.

Options:
  --config FILE          the config (default ROOT/${CONFIG_FILE} when it exists)
  --jobs N               packages checked at once (default: half the CPUs, at least 1;
                         each check runs two builds)
  --shard I/N            only this shard's packages (1-based); default from GitLab's
                         CI_NODE_INDEX/CI_NODE_TOTAL. Packages go to shards by a hash of
                         their name, so adding one never moves another.
  --changed-since REV    only packages with files changed since the git revision REV
                         (plus those whose config entry changed)
  --baseline FILE        an earlier results.json: exit 1 only for packages that were
                         reproducible there and are not now
  --out DIR              reports (default twinbuild-out); not ROOT or a directory holding it;
                         one run at a time
  --vary=SPEC, --seed N, --env NAME=VALUE, --timeout D, --isolation MODE,
  --no-bisect, --no-diffoscope, --diffoscope-timeout D, --keep, --network,
  --max-processes N, --max-memory SIZE, --issue-types FILE
  --bisect-budget N      at most N probe builds per package (default 6 in a sweep)
                         as for check (--vary and --env win over a package's
                         config entry; its timeout wins over --timeout)
  --with-tests           Debian packages: run their tests, as for check (default: nocheck)
  --reporter NAME        which reports to write, as for check (default: all)
  --quiet                no progress; one line when all is well
  --json                 print the result model instead of the summary
  -h, --help             this help

Exit codes: 0 all reproducible (or no regression) · 1 unreproducible (with --baseline:
a regression) · 2 usage or config error · 3 a build or infrastructure error
`;

const asList = (v: string | string[] | undefined) => (v === undefined ? undefined : typeof v === 'string' ? [v] : v);

/** A config entry as a typed recipe (the same parsers as the flags, never via flag strings). */
export function recipeOf(pkg: SweepPackage, configFile: string): Recipe {
  const r = pkg.recipe;
  const where = `${configFile}: package "${pkg.name.length > 60 ? `${pkg.name.slice(0, 60)}…` : pkg.name}"`;
  return {
    preset: r.preset,
    build: r.build,
    artifacts: asList(r.artifacts),
    name: pkg.name,
    origin: where,
    vary: r.vary !== undefined ? parseVarySpecs(asList(r.vary)!) : undefined,
    timeoutMs: r.timeout !== undefined ? parseDuration(r.timeout, `${where}: timeout`) : undefined,
    env: r.env,
    rpmReproducibleMacros: r.rpmReproducibleMacros,
  };
}

const SWEEP_FLAGS = [...RUN_FLAGS, 'config', 'shard', 'changed-since', 'baseline', 'with-tests'] as const;

export const sweepCommand: Command = {
  help: SWEEP_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, SWEEP_FLAGS);
    if (positionals.length > 1) throw usageError(`sweep takes one ROOT directory, got ${positionals.length}`);
    const root = resolve(ctx.env.cwd, positionals[0] ?? '.');
    await assertNotSystemTree(root, 'sweep root');
    if (
      !(await stat(root).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      throw new TwinbuildError('unreadable-source', `sweep root ${root} is not a readable directory`);
    const parsed = parseRunSettings(values, ctx.env);
    const flagged = { ...parsed, bisectBudget: parsed.bisectBudget ?? SWEEP_BISECT_BUDGET };
    sayNotes(flagged, ctx);
    const jobs = flagged.jobs ?? Math.max(1, Math.floor(ctx.env.cpus / 2));
    const shard = parseShard(values.shard, ctx.env.vars);
    const configFile = values.config ? resolve(ctx.env.cwd, values.config) : join(root, CONFIG_FILE);
    const config: Config | null =
      values.config || (await stat(configFile).catch(() => null)) ? await loadConfig(configFile) : null;
    // The config's reporters apply unless --reporter chose.
    const settings =
      values.reporter === undefined && config?.reporters ? { ...flagged, reporters: config.reporters } : flagged;
    const ignores = compileIgnores(config?.ignore ?? [], configFile);
    const baselineFile = values.baseline ? resolve(ctx.env.cwd, values.baseline) : null;
    const baseline = baselineFile ? await readResults(baselineFile) : null;

    const { packages: discovered, symlinkedDirs } = await discoverPackages(root, config, configFile, settings.outDir);
    // Said even with --quiet: a package behind one of them is not checked.
    if (symlinkedDirs.length > 0) ctx.stderr.write(`twinbuild: note: ${notFollowed(symlinkedDirs)}\n`);
    let packages = discovered.filter((p) => inShard(p.name, shard));
    const inThisShard = packages.length;
    if (values['changed-since'])
      packages = await changedPackages(ctx.runner, root, values['changed-since'], packages, {
        file: configFile,
        current: config,
        outDir: settings.outDir,
      });
    const nothingChecked =
      packages.length > 0
        ? null
        : whyNothing({
            root: displayPath(root, ctx.env.cwd),
            config: config ? displayPath(configFile, ctx.env.cwd) : null,
            found: discovered.length,
            inThisShard,
            shard,
            changedSince: values['changed-since'],
          });
    // Every package's options are checked before any build starts: a config mistake is exit 2 up front.
    const perCheckJobs = Math.max(2, Math.floor(ctx.env.cpus / jobs));
    const items = await Promise.all(
      packages.map((pkg) =>
        packageOptions(
          pkg.source,
          {
            ...recipeOf(pkg, configFile),
            tests: values['with-tests'],
            rerun: sweepPackageRerun(pkg, args, SWEEP_FLAGS, ctx.env.cwd),
          },
          settings,
          ctx.env,
          perCheckJobs,
        ),
      ),
    );

    await assertOutDirApart(settings.outDir, [
      { path: root, label: 'ROOT' },
      ...items.map((o) => ({ path: o.source, label: `package ${o.name}'s source` })),
    ]);
    const outLock = await prepareOutDir(settings.outDir);
    try {
      return await sweepPackages(
        items,
        {
          jobs,
          shard,
          ignores,
          baseline,
          baselineFile: values.baseline,
          changedSince: values['changed-since'],
          nothingChecked,
        },
        settings,
        ctx,
      );
    } finally {
      outLock.release();
    }
  },
};

type SweepPlan = Readonly<{
  jobs: number;
  shard: ReturnType<typeof parseShard>;
  ignores: ReturnType<typeof compileIgnores>;
  baseline: Awaited<ReturnType<typeof readResults>> | null;
  baselineFile: string | undefined;
  changedSince: string | undefined;
  nothingChecked: string | null;
}>;

type Found = Readonly<{
  root: string;
  config: string | null;
  found: number;
  inThisShard: number;
  shard: ReturnType<typeof parseShard>;
  changedSince: string | undefined;
}>;

// Note: an empty sweep is exit 3 (never a pass), so it must say why, on the
// console (and so in a pre-push hook's output) and in results.json.
function whyNothing(f: Found): string {
  if (f.found === 0 && f.config) return `${f.config} lists no packages under ${f.root}`;
  if (f.found === 0)
    return (
      `no package found under ${f.root}: no twinbuild.config.json with "packages", and no debian/control ` +
      `or package.json below it; add a config (see twinbuild sweep --help) or pass --config FILE`
    );
  if (f.inThisShard === 0 && f.shard)
    return `shard ${f.shard.index}/${f.shard.total} holds none of the ${f.found} packages found`;
  return `none of the ${f.inThisShard} packages changed since ${f.changedSince ?? 'the given revision'}`;
}

// Runs the checked packages and publishes one report set (the out dir is locked by the caller).
async function sweepPackages(
  items: readonly PackageOptions[],
  plan: SweepPlan,
  settings: RunSettings,
  ctx: CommandContext,
): Promise<number> {
  const { jobs, shard, ignores, baseline } = plan;
  const progress = lineProgress(settings, ctx);
  const ofShard = shard ? ` (shard ${shard.index}/${shard.total})` : '';
  progress(`sweeping ${items.length} package${items.length === 1 ? '' : 's'}${ofShard}, ${jobs} at a time`);
  const startedAt = new Date().toISOString();
  const outcome = await runSweep(
    items,
    { outDir: settings.outDir, jobs, ignores },
    { runner: ctx.runner, signal: ctx.signal, progress },
  );
  const comparison = baseline
    ? compareWithBaseline(plan.baselineFile!, baseline, outcome.packages, (name) => inShard(name, shard))
    : null;
  const interrupted = ctx.signal.aborted;
  const result = runResult({
    command: 'sweep',
    version: VERSION,
    startedAt,
    seed: settings.seed,
    host: hostInfo(),
    packages: outcome.packages,
    // Note: an empty sweep is not a pass, unless --changed-since or sharding (parallel: N) left this run nothing.
    exitCode: comparison
      ? baselineExitCode(comparison, outcome.packages)
      : outcome.packages.length === 0 && (plan.changedSince || shard) && !interrupted
        ? 0
        : exitCodeFor(outcome.packages),
    shard,
    baseline: comparison,
    incomplete: interrupted ? { reason: 'interrupted', notFinished: outcome.notFinished } : null,
    nothingChecked: plan.nothingChecked,
  });
  const exitCode = await publishRun(result, settings, ctx, 'summary');
  if (interrupted) throw new TwinbuildError('interrupted', 'interrupted');
  return exitCode;
}
