// Flags (and config entries) → typed values, once: the run settings a command
// shares, and the frozen options of each package it runs. Nothing is turned
// back into flag strings: a sweep's config entry is typed here like a flag.
import { existsSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { machine } from 'node:os';
import { resolve, sep } from 'node:path';
import { TwinbuildError, usageError } from '../core/errors.js';
import { orDidYouMean } from '../core/suggest.js';
import { envConflicts } from '../variations/index.js';
import { DEFAULT_LIMITS } from '../engine/build/build.js';
import { DEFAULT_DIFFOSCOPE, freezeOptions, type IsolationChoice, type PackageOptions } from '../engine/options.js';
import { assertReadableSource } from '../engine/prepare/workspace.js';
import { DEFAULT_REPORTERS, REPORTER_NAMES, isReporterName, type ReporterName } from '../reports/registry.js';
import { parseDeb822 } from '../rebuilder/buildinfo.js';
import { PRESETS, isSourcePackageFile, packageNameOf, resolvePreset, type PresetName } from '../suites/presets.js';
import { MAX_SEED, newSeed } from '../variations/rng.js';
import { NOTHING_VARIED, parseVarySpecs, type VarySpec } from '../variations/spec.js';
import type { CliEnvironment } from './environment.js';
import { canUseMountNamespaces } from '../adapters/namespaces.js';
import type { ProcessRunner } from '../adapters/process.js';
import { translateReprotestVary } from './reprotest.js';
import { ISOLATIONS, type ParsedFlags, type RUN_FLAGS } from './flags.js';
import {
  MAX_TOTAL_VALUE_BYTES,
  checkValueSize,
  parseChoice,
  parseDuration,
  parseEnvAssignment,
  parsePositiveInt,
  parseSize,
  validateArtifactGlob,
  validatePackageName,
} from './parse.js';

/** What a run sets for all its packages: the options they share, plus what only the CLI uses. */
export type RunSettings = Pick<
  PackageOptions,
  | 'seed'
  | 'outDir'
  | 'env'
  | 'isolation'
  | 'diffoscope'
  | 'bisect'
  | 'keep'
  | 'network'
  | 'hide'
  | 'limits'
  | 'issueTypes'
> &
  Readonly<{
    /** null: each package's own (config) or the default, +all. */
    vary: VarySpec | null;
    /** null: the command's default. */
    jobs: number | null;
    timeoutMs: number | null;
    json: boolean;
    quiet: boolean;
    reporters: readonly ReporterName[];
    /** --bisect-budget; null: the command's default (none for check, SWEEP_BISECT_BUDGET for sweep and the hook). */
    bisectBudget: number | null;
    /** What twinbuild did with reprotest options it reads loosely (said on stderr). */
    notes: readonly string[];
  }>;

/** Probe builds per package in a sweep (and so the pre-push hook): the first round, with room for one more. */
export const SWEEP_BISECT_BUDGET = 6;

function parseReporters(names: readonly string[] | undefined): readonly ReporterName[] {
  if (!names?.length) return DEFAULT_REPORTERS;
  const listed = names
    .flatMap((n) => n.split(','))
    .map((n) => n.trim())
    .filter(Boolean);
  return [...new Set(listed.map((n) => (isReporterName(n) ? n : parseChoice(n, '--reporter', REPORTER_NAMES))))];
}

export function parseRunSettings(values: ParsedFlags<(typeof RUN_FLAGS)[number]>, env: CliEnvironment): RunSettings {
  const isolation = parseChoice(values.isolation ?? 'auto', '--isolation', ISOLATIONS);
  const translated = translateReprotestVary(values.variations, values.vary);
  return Object.freeze({
    vary: translated.specs ? parseVarySpecs(translated.specs) : null,
    seed: values.seed !== undefined ? parsePositiveInt(values.seed, '--seed', MAX_SEED) : newSeed(),
    jobs: values.jobs !== undefined ? parsePositiveInt(values.jobs, '--jobs', 1024) : null,
    timeoutMs: values.timeout !== undefined ? parseDuration(values.timeout, '--timeout') : null,
    outDir: resolve(env.cwd, values.out ?? 'twinbuild-out'),
    env: Object.fromEntries((values.env ?? []).map(parseEnvAssignment)),
    isolation,
    network: values.network ?? false,
    hide: env.home && env.home !== '/' ? [env.home] : [],
    limits: {
      processes:
        values['max-processes'] !== undefined
          ? parsePositiveInt(values['max-processes'], '--max-processes', 1_000_000)
          : DEFAULT_LIMITS.processes,
      memoryBytes:
        values['max-memory'] !== undefined
          ? parseSize(values['max-memory'], '--max-memory')
          : DEFAULT_LIMITS.memoryBytes,
    },
    diffoscope: {
      ...DEFAULT_DIFFOSCOPE,
      enabled: !values['no-diffoscope'],
      timeoutMs:
        values['diffoscope-timeout'] !== undefined
          ? parseDuration(values['diffoscope-timeout'], '--diffoscope-timeout')
          : DEFAULT_DIFFOSCOPE.timeoutMs,
      extraArgs: values['diffoscope-arg'] ?? [],
    },
    bisect: !values['no-bisect'],
    bisectBudget:
      values['bisect-budget'] !== undefined
        ? parsePositiveInt(values['bisect-budget'], '--bisect-budget', 100_000)
        : null,
    keep: values.keep ?? false,
    issueTypes: (values['issue-types'] ?? []).map((file) => resolve(env.cwd, file)),
    json: values.json ?? false,
    quiet: values.quiet ?? false,
    reporters: parseReporters(values.reporter),
    notes: translated.notes,
  });
}

/** How to build one package: from flags (check, verify) or a config entry (sweep), already typed. */
export type Recipe = Readonly<{
  preset?: string;
  build?: string;
  artifacts?: readonly string[];
  /** rpm preset: build with the reproducibility macros (--rpm-reproducible-macros, config rpmReproducibleMacros). */
  rpmReproducibleMacros?: boolean;
  name?: string;
  /** The package's own vary spec (config); the run's --vary wins over it. */
  vary?: VarySpec;
  /** The package's own timeout (config); it wins over --timeout. */
  timeoutMs?: number;
  /** The package's own variables (config); --env wins for the same name. */
  env?: Readonly<Record<string, string>>;
  /** verify: nothing is varied, whatever the run's settings say. */
  varyNothing?: boolean;
  /** Where the recipe came from, for messages (e.g. the config file and package); default the command line. */
  origin?: string;
  /** npm preset: run npm pack with --ignore-scripts (no lifecycle scripts). */
  ignoreScripts?: boolean;
  /**
   * debian preset: run the package's tests (--with-tests). Default: skipped
   * (DEB_BUILD_OPTIONS nocheck) when something is varied (check, sweep); verify
   * and the rebuilder (nothing varied) keep the options the official build recorded.
   */
  tests?: boolean;
  /** The words that rerun this package as its user wrote them, without --seed (cli/rerun.ts). */
  rerun?: readonly string[];
}>;

// Trees of the running system, never a package: copying them fails half-way
// (EINVAL for /, EACCES deep in /proc) or never ends.
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

/** Refuses / and anything under /proc, /sys or /dev, by its real path (exit 2). */
export async function assertNotSystemTree(path: string, what: string): Promise<void> {
  const real = await realpath(path).catch(() => path);
  if (real === '/' || SYSTEM_TREES.some((tree) => real === tree || real.startsWith(tree + sep))) {
    throw usageError(`${what} ${path}${real !== path ? ` (${real})` : ''} is a system directory, not a package source`);
  }
}

const DSC_READ_BYTES = 1024 * 1024;

// Note: dpkg-source would only fail after the temp root is made (exit 3);
// a file that is not a source control file is bad input.
async function assertSourceControlFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  let text: string;
  try {
    const buffer = Buffer.alloc(DSC_READ_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, DSC_READ_BYTES, 0);
    text = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  const fields = parseDeb822(text.replace(/\r\n/g, '\n'));
  const missing = ['Source', 'Format'].filter((f) => !fields.get(f)?.trim());
  if (!fields.has('Files') && !fields.has('Checksums-Sha256')) missing.push('Files or Checksums-Sha256');
  if (missing.length > 0)
    throw usageError(`${file} is not a Debian source control file (no ${missing.join(', no ')} field)`);
}

// Note: the kernel refuses any one exec argument or variable over 128 KiB and
// all of them together over about 2 MB (E2BIG), after the setup; refused here instead.
function checkExecSizes(build: string, env: Readonly<Record<string, string>>, origin: string): void {
  checkValueSize(build, `${origin}build command`);
  for (const [name, value] of Object.entries(env)) checkValueSize(value, `${origin}variable ${name}`);
  const total =
    Buffer.byteLength(build) +
    Object.entries(env).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value) + 2, 0);
  if (total > MAX_TOTAL_VALUE_BYTES)
    throw usageError(
      `${origin}the build command and variables hold ${total} bytes together; at most ${MAX_TOTAL_VALUE_BYTES} (1 MiB) are allowed`,
    );
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

// Note: a variable a varied variation sets itself would switch it off in silence
// (FAKETIME_ONLY_CMDS=none, LC_ALL=C…), so it is refused rather than let win or lose.
function refuseEnvConflicts(
  env: Readonly<Record<string, string>>,
  fromFlags: Readonly<Record<string, string>>,
  vary: VarySpec,
  what: string,
): void {
  const conflicts = envConflicts(Object.keys(env), vary.enabled);
  if (conflicts.length === 0) return;
  // Where the variable came from: --env on the command line, or the config's "env".
  const listed = conflicts
    .map((c) => `${c.name in fromFlags ? '--env' : '"env"'} ${c.name} (set by the ${c.variation} variation)`)
    .join(', ');
  const off = [...new Set(conflicts.map((c) => c.variation))].map((v) => `-${v}`).join(',');
  throw new TwinbuildError(
    'usage',
    `${what}: ${listed} would switch off what is varied; drop it, or vary less with --vary=${off}`,
  );
}

/**
 * In a GitLab job checking the checkout itself, the project's name: the checkout's
 * directory is the runner's (`/builds/…`, or gitlab-ci-local's `builds/<job>`).
 * gitlab-ci-local's shell executor, for a job naming an image, sets CI_PROJECT_DIR
 * to the container's path, which does not exist here: then the job's starting
 * directory (this process's cwd) is the checkout.
 */
function ciProjectName(source: string, env: CliEnvironment): string | undefined {
  const { CI_PROJECT_NAME: name, CI_PROJECT_DIR: dir } = env.vars;
  if (!name || !dir) return undefined;
  const checkout = existsSync(dir) ? resolve(env.cwd, dir) : env.cwd;
  return checkout === source ? name : undefined;
}

/** One package's frozen options; a mistake in any of them is exit 2 before anything is built. */
export async function packageOptions(
  sourceArg: string,
  recipe: Recipe,
  settings: RunSettings,
  env: CliEnvironment,
  jobs: number,
): Promise<PackageOptions> {
  const requested = (recipe.preset ?? 'auto') as PresetName;
  if (!PRESETS.includes(requested))
    throw usageError(
      `--preset expects ${PRESETS.join(', ')}, got "${recipe.preset}"${orDidYouMean(recipe.preset ?? '', PRESETS)}`,
    );
  const source = resolve(env.cwd, sourceArg);
  const origin = recipe.origin ? `${recipe.origin}: ` : '';
  const name = validatePackageName(
    recipe.name ?? ciProjectName(source, env) ?? packageNameOf(source),
    recipe.origin ?? source,
  );
  await assertNotSystemTree(source, 'source');
  await assertReadableSource(source, isSourcePackageFile(source));
  if (source.endsWith('.dsc')) await assertSourceControlFile(source);
  if (recipe.build !== undefined) checkValueSize(recipe.build, `${origin}build command`);
  for (const glob of recipe.artifacts ?? []) checkValueSize(glob, `${origin}artifact glob "${glob.slice(0, 40)}…"`);
  const vary = recipe.varyNothing ? NOTHING_VARIED : (settings.vary ?? recipe.vary ?? parseVarySpecs([]));
  refuseEnvConflicts({ ...recipe.env, ...settings.env }, settings.env, vary, recipe.origin ?? recipe.name ?? sourceArg);
  const resolved = await resolvePreset(
    source,
    requested,
    {
      build: recipe.build,
      artifacts: recipe.artifacts,
      ignoreScripts: recipe.ignoreScripts,
      rpmReproducibleMacros: recipe.rpmReproducibleMacros,
    },
    {
      debBuildOptions: env.vars['DEB_BUILD_OPTIONS'] ?? null,
      skipTests: !(recipe.tests ?? recipe.varyNothing ?? false),
      machine: machine(),
    },
  );
  const variables = { ...resolved.env, ...recipe.env, ...settings.env };
  checkExecSizes(resolved.build, variables, origin);
  return freezeOptions({
    source,
    name,
    preset: resolved.preset,
    build: resolved.build,
    artifacts: resolved.artifacts.map(validateArtifactGlob),
    subdir: resolved.subdir,
    dsc: resolved.dsc,
    vary,
    seed: settings.seed,
    jobs,
    timeoutMs: recipe.timeoutMs ?? settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    outDir: settings.outDir,
    env: variables,
    isolation: settings.isolation,
    network: settings.network,
    hide: settings.hide,
    limits: settings.limits,
    diffoscope: settings.diffoscope,
    bisect: settings.bisect && !recipe.varyNothing,
    bisectBudget: settings.bisectBudget,
    keep: settings.keep,
    rerun: recipe.rerun ?? null,
    issueTypes: settings.issueTypes,
    tempDir: env.tempDir,
    toolPath: env.path,
    cacheDir: env.cacheDir,
  });
}

/**
 * verify and the rebuilder sign what they rebuild: without the sandbox a hostile
 * package would build with twinbuild's own rights, next to the key. They refuse
 * unless --allow-unsandboxed accepts that (docs/sandbox.md).
 */
export async function requireSandbox(
  isolation: IsolationChoice,
  allowUnsandboxed: boolean,
  runner: ProcessRunner,
  command: string,
): Promise<void> {
  if (allowUnsandboxed) return;
  const why =
    isolation === 'sequential'
      ? '--isolation sequential builds without the sandbox'
      : (await canUseMountNamespaces(runner))
        ? null
        : 'no build sandbox can be made here (user namespaces and bubblewrap: see twinbuild doctor)';
  if (why)
    throw new TwinbuildError(
      'no-sandbox',
      `${command} builds untrusted sources only in the sandbox: ${why}; --allow-unsandboxed accepts the risk`,
    );
}
