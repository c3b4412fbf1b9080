// `twinbuild sweep [ROOT]`: every package of a repository (from the config or by
// preset markers), checked under one bound, sharded, compared with a baseline,
// one report set.
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCHEMA, exitCodeFor, summarise, type RunResult } from '../../reports/model.js';
import { writeReports } from '../../reports/write.js';
import { formatSweep } from '../../reports/sweep-console.js';
import { compareWithBaseline, baselineExitCode } from '../../suites/baseline.js';
import { changedPackages } from '../../suites/changes.js';
import { CONFIG_FILE, loadConfig, type Config } from '../../suites/config.js';
import { discoverPackages } from '../../suites/discovery.js';
import { compileIgnores } from '../../suites/ignore.js';
import { inShard, parseShard } from '../../suites/shard.js';
import { runSweep } from '../../suites/sweep.js';
import { MAX_SEED, newSeed } from '../../variations/rng.js';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { parsePositiveInt } from '../../engine/options.js';
import { prepareOutDir } from '../out-dir.js';
import { realProcesses } from '../../adapters/process.js';
import { VERSION } from '../../core/paths.js';
import { readResults } from './report.js';
import { checkOptionsFor, displayPath, hostInfo } from './check.js';

export const SWEEP_HELP = `Usage: twinbuild sweep [ROOT=.] [options]

Checks every package under ROOT: those listed in ROOT/${CONFIG_FILE} (or --config),
else every directory with a debian/control or a package.json (node_modules, .git
and the output dir left out). Writes one report set to OUT: results.json,
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
  --out DIR              reports (default twinbuild-out)
  --vary=SPEC, --seed N, --env NAME=VALUE, --timeout D, --isolation MODE,
  --no-bisect, --no-diffoscope, --diffoscope-timeout D, --keep
                         as for check (a package's config entry wins for vary/timeout/env)
  --quiet                no progress; one line when all is well
  --json                 print the result model instead of the summary
  -h, --help             this help

Exit codes: 0 all reproducible (or no regression) · 1 unreproducible (with --baseline:
a regression) · 2 usage or config error · 3 a build or infrastructure error
`;

const FLAGS = {
  config: { type: 'string' }, jobs: { type: 'string' }, shard: { type: 'string' }, 'changed-since': { type: 'string' },
  baseline: { type: 'string' }, out: { type: 'string' }, vary: { type: 'string', multiple: true }, seed: { type: 'string' },
  env: { type: 'string', multiple: true }, timeout: { type: 'string' }, isolation: { type: 'string' }, 'no-bisect': { type: 'boolean' },
  'no-diffoscope': { type: 'boolean' }, 'diffoscope-timeout': { type: 'string' }, keep: { type: 'boolean' }, quiet: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const asList = (v: string | string[] | undefined) => (v === undefined ? undefined : typeof v === 'string' ? [v] : v);

export async function runSweepCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: FLAGS, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw usageError(`sweep takes one ROOT directory, got ${positionals.length}`);
  const root = resolve(positionals[0] ?? '.');
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) throw new TwinbuildError('unreadable-source', `sweep root ${root} is not a readable directory`);
  const outDir = resolve(values.out ?? 'twinbuild-out');
  const jobs = values.jobs !== undefined ? parsePositiveInt(values.jobs, '--jobs', 256) : Math.max(1, Math.floor(availableParallelism() / 2));
  const shard = parseShard(values.shard);
  const seed = values.seed !== undefined ? parsePositiveInt(values.seed, '--seed', MAX_SEED) : newSeed();
  const configFile = values.config ? resolve(values.config) : join(root, CONFIG_FILE);
  const config: Config | null = values.config || (await stat(configFile).catch(() => null)) ? await loadConfig(configFile) : null;
  const ignores = compileIgnores(config?.ignore ?? [], configFile);
  const baseline = values.baseline ? await readResults(values.baseline) : null;

  let packages = (await discoverPackages(root, config, configFile, outDir)).filter((p) => inShard(p.name, shard));
  if (values['changed-since']) packages = await changedPackages(realProcesses, root, values['changed-since'], packages, { file: configFile, current: config, outDir });
  // Every package's options are checked before any build starts: a config mistake is exit 2 up front.
  const perCheckJobs = Math.max(2, Math.floor(availableParallelism() / jobs));
  const items = await Promise.all(
    packages.map(async (pkg) => ({
      options: await checkOptionsFor(
        pkg.source,
        { preset: pkg.recipe.preset, build: pkg.recipe.build, artifacts: asList(pkg.recipe.artifacts), name: pkg.name },
        {
          ...values,
          vary: values.vary ?? asList(pkg.recipe.vary),
          timeout: pkg.recipe.timeout ?? values.timeout,
          env: [...Object.entries(pkg.recipe.env ?? {}).map(([k, v]) => `${k}=${v}`), ...(values.env ?? [])],
          seed: String(seed),
          jobs: String(perCheckJobs),
          out: outDir,
          quiet: true,
        },
      ),
    })),
  );

  const progress = values.quiet || values.json ? () => {} : (line: string) => process.stderr.write(`twinbuild: ${line}\n`);
  progress(`sweeping ${items.length} package${items.length === 1 ? '' : 's'}${shard ? ` (shard ${shard.index}/${shard.total})` : ''}, ${jobs} at a time`);
  const startedAt = new Date().toISOString();
  await prepareOutDir(outDir);
  const outcome = await runSweep(items, { outDir, jobs, ignores }, { runner: realProcesses, signal, progress });
  const comparison = baseline ? compareWithBaseline(values.baseline!, baseline, outcome.packages, (name) => inShard(name, shard)) : undefined;
  const interrupted = signal.aborted;
  const result: RunResult = {
    schema: SCHEMA,
    tool: { name: 'twinbuild', version: VERSION },
    command: 'sweep',
    startedAt,
    finishedAt: new Date().toISOString(),
    seed,
    host: hostInfo(),
    packages: outcome.packages,
    summary: summarise(outcome.packages),
    // Note: an empty sweep is not a pass, unless --changed-since or sharding (parallel: N) left this run nothing.
    exitCode: comparison ? baselineExitCode(comparison, outcome.packages) : outcome.packages.length === 0 && (values['changed-since'] || shard) && !interrupted ? 0 : exitCodeFor(outcome.packages),
    ...(shard ? { shard } : {}),
    ...(comparison ? { baseline: comparison } : {}),
    ...(interrupted ? { incomplete: { reason: 'interrupted', notFinished: outcome.notFinished } } : {}),
  };
  await writeReports(outDir, result);
  process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : formatSweep(result, displayPath(outDir), values.quiet ?? false));
  if (interrupted) throw new TwinbuildError('interrupted', 'interrupted');
  return result.exitCode;
}
