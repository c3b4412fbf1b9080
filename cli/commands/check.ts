// `twinbuild check`: flags → frozen options → engine → results.json → verdict.
import { hostname, availableParallelism, release } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseVarySpecs } from '../../variations/spec.js';
import { MAX_SEED, newSeed } from '../../variations/rng.js';
import { SCHEMA, exitCodeFor, summarise, type PackageResult, type RunResult } from '../../reports/model.js';
import { writeReports } from '../../reports/write.js';
import { consoleProgress, formatVerdict } from '../../reports/console.js';
import { runCheck } from '../../engine/run-package.js';
import { exitCodeForSignal, TwinbuildError, usageError } from '../../core/errors.js';
import {
  DEFAULT_DIFFOSCOPE, defaultJobs, freezeOptions, parseDuration, parseEnvAssignment, parsePositiveInt, validateArtifactGlob,
  type CheckOptions, type IsolationChoice,
} from '../../engine/options.js';
import { prepareOutDir } from '../out-dir.js';
import { realProcesses } from '../../adapters/process.js';
import { assertReadableSource } from '../../engine/prepare/workspace.js';
import { PRESETS, packageNameOf, resolvePreset, type PresetName } from '../../suites/presets.js';
import { VERSION } from '../../core/paths.js';


export const CHECK_HELP = `Usage: twinbuild check [SOURCE=.] [--build CMD --artifacts GLOB | --preset NAME] [options]

Copies SOURCE twice, builds the control and the experiment at the same time
(the experiment with its environment varied), compares every artifact byte for
byte and runs diffoscope on the ones that differ. SOURCE itself is never written
to. Writes OUT/results.json, OUT/junit.xml (GitLab), OUT/index.html,
OUT/diffoscope/ and OUT/logs/.

Options:
  --build CMD            shell command that builds the package (run with /bin/sh -c)
  --artifacts GLOB       artifacts to compare, relative to SOURCE (repeatable), e.g. 'out/**'
  --preset NAME          auto (the default): generic when --build and --artifacts are given,
                         else debian for a debian/ tree or a .dsc (dpkg-buildpackage -b
                         --no-sign; compares ../*.deb, ../*.udeb), npm for a package.json
                         (npm pack; compares the tarball). --build/--artifacts override a preset.
  --vary=SPEC            what to vary, reprotest syntax (repeatable), default +all; write
                         it with "=" when it starts with "-":
                           --vary=-time   --vary=-all,+umask   --vary=environment.variables+=FOO=bar
  --seed N               replay the random choices of an earlier run
  --env NAME=VALUE       set a variable for both builds (repeatable)
  --timeout DURATION     per build, e.g. 30m, 90s (default 30m); kills the whole process tree
  --jobs N               bisect probe builds at once, and diffoscope runs at once (default:
                         CPU count); files hashed at once is at least 8
  --out DIR              where the reports and logs go (default twinbuild-out)
  --isolation MODE       auto | namespaces | sequential (default auto): how both builds get
                           the same path — private mount namespaces in parallel, or one after the other
  --keep                 keep the temporary workspaces and print where they are
  --json                 print the result model (results.json) on stdout instead of the verdict
  --quiet                no progress; one line when reproducible
  --no-diffoscope        only say which files differ, do not explain how
  --diffoscope-timeout D per differing file (default 5m); a timeout is an error, never "same"
  --diffoscope-arg ARG   extra argument for diffoscope (repeatable), e.g. --diffoscope-arg=--exclude-directory-metadata=yes
  --no-bisect            when the builds differ, do not probe which variations cause it
                         (by default: a rebuild with nothing varied to spot a nondeterministic
                         build, then probe builds with subsets of the varied variations)
  -h, --help             this help

Exit codes: 0 reproducible · 1 unreproducible · 2 usage or config error
            3 build failed, timed out, no artifacts, or a requested variation unavailable
`;

const FLAGS = {
  build: { type: 'string' },
  artifacts: { type: 'string', multiple: true },
  preset: { type: 'string' },
  vary: { type: 'string', multiple: true },
  seed: { type: 'string' },
  env: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  jobs: { type: 'string' },
  out: { type: 'string' },
  isolation: { type: 'string' },
  keep: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  'no-bisect': { type: 'boolean' },
  'no-diffoscope': { type: 'boolean' },
  'diffoscope-timeout': { type: 'string' },
  'diffoscope-arg': { type: 'string', multiple: true },
} as const;

/** The check flags a sweep shares with check (everything but the source and the build recipe). */
export type CommonFlags = Readonly<{
  vary?: string[]; seed?: string; env?: string[]; timeout?: string; jobs?: string; out?: string; isolation?: string;
  keep?: boolean; json?: boolean; quiet?: boolean; 'no-bisect'?: boolean; 'no-diffoscope'?: boolean;
  'diffoscope-timeout'?: string; 'diffoscope-arg'?: string[];
}>;

export type Recipe = Readonly<{ preset?: string; build?: string; artifacts?: readonly string[]; name?: string }>;

/** Normalises one package's flags into frozen check options (also used by sweep, per package). */
export async function checkOptionsFor(sourceArg: string, recipe: Recipe, values: CommonFlags): Promise<CheckOptions> {
  const requested = (recipe.preset ?? 'auto') as PresetName;
  if (!PRESETS.includes(requested)) throw usageError(`--preset expects ${PRESETS.join(', ')}, got "${recipe.preset}"`);
  const isolation = (values.isolation ?? 'auto') as IsolationChoice;
  if (!['auto', 'namespaces', 'sequential'].includes(isolation)) throw usageError(`--isolation expects auto, namespaces or sequential, got "${isolation}"`);
  const source = resolve(sourceArg);
  await assertReadableSource(source, source.endsWith('.dsc'));
  const resolved = await resolvePreset(source, requested, { build: recipe.build, artifacts: recipe.artifacts });
  return freezeOptions({
    source,
    name: recipe.name ?? packageNameOf(source),
    preset: resolved.preset,
    build: resolved.build,
    artifacts: resolved.artifacts.map(validateArtifactGlob),
    subdir: resolved.subdir,
    dsc: resolved.dsc,
    vary: parseVarySpecs(values.vary ?? []),
    seed: values.seed !== undefined ? parsePositiveInt(values.seed, '--seed', MAX_SEED) : newSeed(),
    jobs: values.jobs !== undefined ? parsePositiveInt(values.jobs, '--jobs', 1024) : defaultJobs(),
    timeoutMs: parseDuration(values.timeout ?? '30m', '--timeout'),
    outDir: resolve(values.out ?? 'twinbuild-out'),
    env: { ...resolved.env, ...Object.fromEntries((values.env ?? []).map(parseEnvAssignment)) },
    isolation,
    diffoscope: {
      ...DEFAULT_DIFFOSCOPE,
      enabled: !values['no-diffoscope'],
      timeoutMs: values['diffoscope-timeout'] !== undefined ? parseDuration(values['diffoscope-timeout'], '--diffoscope-timeout') : DEFAULT_DIFFOSCOPE.timeoutMs,
      extraArgs: values['diffoscope-arg'] ?? [],
    },
    bisect: !values['no-bisect'],
    keep: values.keep ?? false,
    json: values.json ?? false,
    quiet: values.quiet ?? false,
  });
}

export async function parseCheckArgs(args: string[]): Promise<CheckOptions> {
  const { values, positionals } = parseArgs({ args, options: FLAGS, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw usageError(`check takes one SOURCE directory, got ${positionals.length}: ${positionals.join(' ')}`);
  return checkOptionsFor(positionals[0] ?? '.', { preset: values.preset, build: values.build, artifacts: values.artifacts }, values);
}

export async function runCheckCommand(args: string[], signal: AbortSignal): Promise<number> {
  const options = await parseCheckArgs(args);
  await prepareOutDir(options.outDir);
  const startedAt = new Date().toISOString();
  const progress = consoleProgress(process.stderr, options.quiet || options.json);
  let packages: PackageResult[];
  try {
    packages = [await runCheck(options, { runner: realProcesses, signal, progress: progress.sink })];
  } catch (error) {
    if (!(error instanceof TwinbuildError && error.code === 'interrupted')) throw error;
    // Interrupted (after clean-up): the reports still appear, saying nothing was decided.
    await writeReports(options.outDir, {
      schema: SCHEMA, tool: { name: 'twinbuild', version: VERSION }, command: 'check', startedAt, finishedAt: new Date().toISOString(),
      seed: options.seed, host: hostInfo(), packages: [], summary: summarise([]), exitCode: exitCodeForSignal(signal.reason),
      incomplete: { reason: error.message, notFinished: [options.name] },
    });
    throw error;
  } finally {
    progress.stop();
  }
  const result: RunResult = {
    schema: SCHEMA,
    tool: { name: 'twinbuild', version: VERSION },
    command: 'check',
    startedAt,
    finishedAt: new Date().toISOString(),
    seed: options.seed,
    host: hostInfo(),
    packages,
    summary: summarise(packages),
    exitCode: exitCodeFor(packages),
  };
  await writeReports(options.outDir, result);
  process.stdout.write(options.json ? JSON.stringify(result, null, 2) + '\n' : formatVerdict(result, displayPath(options.outDir), options.quiet));
  return result.exitCode;
}

export const hostInfo = (): RunResult['host'] => ({
  hostname: hostname(),
  platform: process.platform,
  arch: process.arch,
  kernel: release(),
  cpus: availableParallelism(),
  node: process.version,
  uid: process.getuid?.() ?? -1,
});

export const displayPath = (path: string) => {
  const cwd = process.cwd();
  return path.startsWith(cwd + '/') ? path.slice(cwd.length + 1) : path;
};
