// Flags (and config entries) → typed values, once: the run settings a command
// shares, and the frozen options of each package it runs. Nothing is turned
// back into flag strings: a sweep's config entry is typed here like a flag.
import { resolve } from 'node:path';
import { TwinbuildError, usageError } from '../core/errors.js';
import { envConflicts } from '../variations/index.js';
import { DEFAULT_DIFFOSCOPE, freezeOptions, type DiffoscopeOptions, type IsolationChoice, type PackageOptions } from '../engine/options.js';
import { assertReadableSource } from '../engine/prepare/workspace.js';
import { DEFAULT_REPORTERS, REPORTER_NAMES, isReporterName, type ReporterName } from '../reports/registry.js';
import { PRESETS, packageNameOf, resolvePreset, type PresetName } from '../suites/presets.js';
import { MAX_SEED, newSeed } from '../variations/rng.js';
import { NOTHING_VARIED, parseVarySpecs, type VarySpec } from '../variations/spec.js';
import type { CliEnvironment } from './environment.js';
import type { ParsedFlags, RUN_FLAGS } from './flags.js';
import { parseDuration, parseEnvAssignment, parsePositiveInt } from './parse.js';
import { validateArtifactGlob } from './parse.js';

export type RunSettings = Readonly<{
  /** null: each package's own (config) or the default, +all. */
  vary: VarySpec | null;
  seed: number;
  /** null: the command's default. */
  jobs: number | null;
  timeoutMs: number | null;
  outDir: string;
  env: Readonly<Record<string, string>>;
  isolation: IsolationChoice;
  diffoscope: DiffoscopeOptions;
  bisect: boolean;
  keep: boolean;
  json: boolean;
  quiet: boolean;
  reporters: readonly ReporterName[];
}>;

const ISOLATIONS: readonly IsolationChoice[] = ['auto', 'namespaces', 'sequential'];

function parseReporters(names: readonly string[] | undefined): readonly ReporterName[] {
  if (!names?.length) return DEFAULT_REPORTERS;
  const listed = names.flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean);
  const unknown = listed.filter((n) => !isReporterName(n));
  if (unknown.length > 0) throw usageError(`--reporter expects ${REPORTER_NAMES.join(', ')}, got "${unknown.join(', ')}"`);
  return [...new Set(listed as ReporterName[])];
}

export function parseRunSettings(values: ParsedFlags<(typeof RUN_FLAGS)[number]>, env: CliEnvironment): RunSettings {
  const isolation = (values.isolation ?? 'auto') as IsolationChoice;
  if (!ISOLATIONS.includes(isolation)) throw usageError(`--isolation expects auto, namespaces or sequential, got "${isolation}"`);
  return Object.freeze({
    vary: values.vary ? parseVarySpecs(values.vary) : null,
    seed: values.seed !== undefined ? parsePositiveInt(values.seed, '--seed', MAX_SEED) : newSeed(),
    jobs: values.jobs !== undefined ? parsePositiveInt(values.jobs, '--jobs', 1024) : null,
    timeoutMs: values.timeout !== undefined ? parseDuration(values.timeout, '--timeout') : null,
    outDir: resolve(env.cwd, values.out ?? 'twinbuild-out'),
    env: Object.fromEntries((values.env ?? []).map(parseEnvAssignment)),
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
    reporters: parseReporters(values.reporter),
  });
}

/** How to build one package: from flags (check, verify) or a config entry (sweep), already typed. */
export type Recipe = Readonly<{
  preset?: string;
  build?: string;
  artifacts?: readonly string[];
  name?: string;
  /** The package's own vary spec (config); the run's --vary wins over it. */
  vary?: VarySpec;
  /** The package's own timeout (config); it wins over --timeout. */
  timeoutMs?: number;
  /** The package's own variables (config); --env wins for the same name. */
  env?: Readonly<Record<string, string>>;
  /** verify: nothing is varied, whatever the run's settings say. */
  varyNothing?: boolean;
}>;

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

// Note: a variable a varied variation sets itself would switch it off in silence
// (FAKETIME_ONLY_CMDS=none, LC_ALL=C…), so it is refused rather than let win or lose.
function refuseEnvConflicts(env: Readonly<Record<string, string>>, vary: VarySpec, what: string): void {
  const conflicts = envConflicts(Object.keys(env), vary.enabled);
  if (conflicts.length === 0) return;
  const listed = conflicts.map((c) => `${c.name} (set by the ${c.variation} variation)`).join(', ');
  const off = [...new Set(conflicts.map((c) => c.variation))].map((v) => `-${v}`).join(',');
  throw new TwinbuildError('usage', `${what}: --env ${listed} would switch off what is varied; drop it, or vary less with --vary=${off}`);
}

/** One package's frozen options; a mistake in any of them is exit 2 before anything is built. */
export async function packageOptions(sourceArg: string, recipe: Recipe, settings: RunSettings, env: CliEnvironment, jobs: number): Promise<PackageOptions> {
  const requested = (recipe.preset ?? 'auto') as PresetName;
  if (!PRESETS.includes(requested)) throw usageError(`--preset expects ${PRESETS.join(', ')}, got "${recipe.preset}"`);
  const source = resolve(env.cwd, sourceArg);
  await assertReadableSource(source, source.endsWith('.dsc'));
  const vary = recipe.varyNothing ? NOTHING_VARIED : (settings.vary ?? recipe.vary ?? parseVarySpecs([]));
  const given = { ...recipe.env, ...settings.env };
  refuseEnvConflicts(given, vary, recipe.name ?? sourceArg);
  const resolved = await resolvePreset(source, requested, { build: recipe.build, artifacts: recipe.artifacts }, { debBuildOptions: env.vars['DEB_BUILD_OPTIONS'] ?? null });
  return freezeOptions({
    source,
    name: recipe.name ?? packageNameOf(source),
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
    env: { ...resolved.env, ...given },
    isolation: settings.isolation,
    diffoscope: settings.diffoscope,
    bisect: settings.bisect && !recipe.varyNothing,
    keep: settings.keep,
    tempDir: env.tempDir,
    toolPath: env.path,
  });
}
