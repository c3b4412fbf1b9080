// The one result model (DESIGN §4). results.json is this, verbatim; every
// reporter is a pure view of it. Every key is present whatever the verdict:
// what does not apply is null (or false, or empty), never missing.
import type { ErrorCode } from '../core/errors.js';

/**
 * @3: diagnoses (what to change) and diffoscope's --json report per difference.
 * @2: every key always present (null where @1 left it out). @1 and @2 files are read and upgraded by reports/read.ts.
 */
export const SCHEMA = 'twinbuild/results@3';
export const SCHEMA_V2 = 'twinbuild/results@2';
export const SCHEMA_V1 = 'twinbuild/results@1';

/** check: reproducible | unreproducible; verify: verified | mismatch; either: error. */
export type Verdict = 'reproducible' | 'unreproducible' | 'verified' | 'mismatch' | 'error';

export type ArtifactStatus = 'identical' | 'differs' | 'missing-in-control' | 'missing-in-experiment';

export type PerSide<T> = Readonly<{ control: T; experiment: T }>;

export type ArtifactResult = Readonly<{
  /** Path relative to the build directory. */
  path: string;
  /** special: a FIFO, socket or device node, compared by what it is and never opened. */
  kind: 'file' | 'symlink' | 'special';
  status: ArtifactStatus;
  /** Bytes; null when missing on that side or a symlink. */
  size: PerSide<number | null>;
  sha256: PerSide<string | null>;
  /** Symlinks are compared by target string, never followed; null when neither side is a symlink. */
  linkTarget: PerSide<string | null> | null;
  /** The name is not UTF-8: `path` shows its other bytes as \xNN (compared by its real bytes). */
  escapedName: boolean;
  /** Special files: "fifo", "socket", "char device 1:3"…; null when neither side is one. */
  node: PerSide<string | null> | null;
  /** A known difference from the config's ignore list: still reported, not counted against the package. */
  ignored: Readonly<{ reason: string }> | null;
}>;

/**
 * results.json lists every artifact while a package has at most this many. Past
 * it, \`artifacts\` keeps only the first this many that are not identical (in path
 * order) and the full list is streamed, one ArtifactResult a line, to the side
 * file \`artifactSummary.file\` in the output directory, so a million-file tree
 * gives a results.json of a few MB.
 */
export const ARTIFACT_LIST_LIMIT = 10_000;

export type ArtifactSummary = Readonly<{
  total: number;
  identical: number;
  /** differs or missing on one side. */
  notIdentical: number;
  /**
   * all: \`artifacts\` lists every one; not-identical: there were more than \`limit\`, so it lists only
   * not-identical ones, at most \`limit\`.
   */
  listed: 'all' | 'not-identical';
  limit: number;
  /** With listed not-identical: the full list (NDJSON), relative to the output directory; else null. */
  file: string | null;
}>;

/** The side file holding a package's full artifact list, relative to the output directory. */
export const artifactListFile = (packageName: string) => `artifacts/${packageName}.ndjson`;

/** How many artifacts a package compared, and how many of them are not identical (listed or not). */
export function artifactCounts(
  pkg: PackageResult,
): Readonly<{ total: number; notIdentical: number; unlisted: number }> {
  const listedNotIdentical = pkg.artifacts.filter((a) => a.status !== 'identical').length;
  const summary = pkg.artifactSummary;
  if (!summary) return { total: pkg.artifacts.length, notIdentical: listedNotIdentical, unlisted: 0 };
  return { total: summary.total, notIdentical: summary.notIdentical, unlisted: summary.total - pkg.artifacts.length };
}

export type BuildResult = Readonly<{
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** When the build started, in ms after the check started (for the timeline). */
  startMs: number;
  durationMs: number;
  /** Log path relative to the output directory. */
  log: string;
  /** Last lines of the log, kept only when the build failed. */
  logTail: readonly string[];
  /** The full command line that ran, wrappers included. */
  command: readonly string[];
  /** Concrete value each variation gave this side (for replay with --seed). */
  values: Readonly<Record<string, string>>;
}>;

export type VariationResult = Readonly<{
  name: string;
  /** varied: differs between sides; pinned: same value on both; skipped: could not run here. */
  status: 'varied' | 'pinned' | 'skipped';
  /** The user named it in --vary (so an unavailable one is an error, not a skip). */
  requested: boolean;
  reason: string | null;
  note: string | null;
  /** What the build can still see that this variation does not change (documented limits). */
  limits: string | null;
  /** Varied ones: what each of its channels showed on each side in this check's effectiveness probe; else null. */
  observed: PerSide<Readonly<Record<string, string>>> | null;
}>;

export type ErrorInfo = Readonly<{ code: ErrorCode; message: string }>;

/** What explains one differing artifact. Paths are relative to the output directory. */
export type DiffResult = Readonly<{
  artifact: string;
  /** diffoscope, or the built-in text/hex comparison when diffoscope is absent. */
  tool: 'diffoscope' | 'builtin';
  /** error: diffoscope crashed, timed out or ran out of disk; never read as "same". */
  status: 'differences' | 'no-differences' | 'error';
  html: string | null;
  text: string | null;
  /** diffoscope's --json report, which diagnosis reads; null without diffoscope (or in results before @3). */
  json: string | null;
  /** The start of the text report, bounded, for the console and JUnit. */
  excerpt: string;
  message: string | null;
  log: string | null;
}>;

export type Culprit = Readonly<{
  /** One variation, or several that change the artifacts only together (an interaction). */
  variations: readonly string[];
  artifacts: readonly string[];
  /** The probe that varied exactly these and reproduced the difference. */
  probe: string;
  /** diffoscope on the control against that probe, for artifacts it built differently from the experiment. */
  diffoscope: readonly DiffResult[];
  /** Artifacts the probe built byte for byte as the experiment did: the package's own diffoscope explains them. */
  sameAsExperiment: readonly string[];
}>;

export type ProbeResult = Readonly<{
  /** `none` is the no-variation rebuild; others are p1, p2, … in start order. */
  id: string;
  variations: readonly string[];
  /**
   * Compared with the control's artifacts; error: the probe build failed. When bisect
   * explains a failed experiment build (bisect.difference "build-fails"): fails or same.
   */
  status: 'same' | 'differs' | 'error' | 'fails';
  /** Artifacts that differ from the control's (at most 50 listed; differingCount has all). */
  differing: readonly string[];
  differingCount: number;
  /** Wave of builds it ran in: the check's two builds are wave 1. */
  round: number;
  startMs: number;
  durationMs: number;
  message: string | null;
}>;

/** One trace of a variation's value in a difference: e.g. the experiment's path, found 3 times on the added side. */
export type EvidenceHit = Readonly<{ side: 'control' | 'experiment'; form: string; value: string; count: number }>;

/** A variation the difference points at (only ever a suspect: a probe confirms culprits). */
export type Suspicion = Readonly<{ variation: string; score: number; hits: readonly EvidenceHit[]; summary: string }>;

/** What one differing artifact's difference shows; source: diffoscope's text, the pair's bytes, or nothing readable. */
export type ArtifactEvidence = Readonly<{
  artifact: string;
  source: 'diffoscope' | 'bytes' | 'none';
  suspects: readonly Suspicion[];
}>;

/** A variation the evidence points at that no probe confirmed before the budget ran out: never a culprit. */
export type Suspected = Readonly<{ variation: string; artifacts: readonly string[]; evidence: readonly string[] }>;

export type BisectResult = Readonly<{
  /**
   * not-run: no difference, or --no-bisect (see reason); done: culprits found;
   * nondeterministic: the no-variation rebuild differs; error: a probe failed.
   */
  status: 'not-run' | 'done' | 'nondeterministic' | 'error';
  reason: string | null;
  /**
   * What counted as a difference: artifacts: bytes unlike the control's; build-fails: only the
   * experiment build failed, so a probe that fails differs and one that builds is the same.
   */
  difference: 'artifacts' | 'build-fails';
  probes: readonly ProbeResult[];
  /** Build waves in all, the check's own included (1 when bisect did not run). */
  rounds: number;
  /** With nondeterministic: the artifacts that differ between two identical builds. */
  flapping: readonly string[];
  /** Differing artifacts no confirmed culprit explains. */
  unexplained: readonly string[];
  /** Per differing artifact, the varied variations its difference shows (strongest first). */
  evidence: readonly ArtifactEvidence[];
  /** Suspects left unconfirmed when --bisect-budget ran out: "suspected, not confirmed", never culprits. */
  suspected: readonly Suspected[];
  /** --bisect-budget: the most probe builds allowed; null for no limit. */
  budget: number | null;
}>;

export const BISECT_NOT_RUN = (reason: string, evidence: readonly ArtifactEvidence[] = []): BisectResult => ({
  status: 'not-run',
  reason,
  difference: 'artifacts',
  probes: [],
  rounds: 1,
  flapping: [],
  unexplained: [],
  evidence,
  suspected: [],
  budget: null,
});

/** Where a diagnosis was seen: the artifact, the comparison inside it, and the lines that matched. */
export type DiagnosisEvidence = Readonly<{
  artifact: string;
  /** Names from the artifact down to diffoscope's comparison, e.g. ["data.tar", "file list"]. */
  where: readonly string[];
  /** Changed lines on the control side and on the experiment side (a few, shortened). */
  removed: readonly string[];
  added: readonly string[];
}>;

/**
 * A known issue type seen in the differences, with what to change. basis:
 * confirmed: a variation it implies is a culprit bisect confirmed; clock: its two
 * sides are timestamps that follow each side's clock (the build records the time);
 * shape: the difference has its shape, and no probe confirmed or ruled out its variations.
 */
export type Diagnosis = Readonly<{
  /** The catalogue id, e.g. timestamps_in_gzip_headers. */
  type: string;
  title: string;
  /** The variations the type implies (empty when it follows from no variation). */
  variations: readonly string[];
  basis: 'confirmed' | 'clock' | 'shape';
  artifacts: readonly string[];
  evidence: readonly DiagnosisEvidence[];
  /** What to change, naming the tool or flag. */
  fix: string;
  /** The reproducible-builds.org page that explains it. */
  link: string | null;
  /** e.g. why a nondeterministic difference is still the clock's. */
  note: string | null;
}>;

/** A type whose shape a difference has, not claimed because a probe ruled out every variation it implies. */
export type RuledOutType = Readonly<{
  type: string;
  title: string;
  artifact: string;
  variations: readonly string[];
  /** The probe that varied them and built the artifact as the control did. */
  probe: string;
}>;

/** A differing artifact no known type explains (or whose report could not be read: see reason). */
export type Unclassified = Readonly<{ artifact: string; reason: string }>;

export type PackageResult = Readonly<{
  name: string;
  source: string;
  verdict: Verdict;
  error: ErrorInfo | null;
  variations: readonly VariationResult[];
  /** How the builds were isolated: both at once in private namespaces, or one after the other. */
  isolation: 'namespaces' | 'sequential';
  /**
   * shared: both builds saw one path at the same time (namespaces); sequential-fallback:
   * one path, one build after the other; varied: build_path gave them different paths.
   */
  buildPath: 'shared' | 'sequential-fallback' | 'varied';
  builds: PerSide<BuildResult | null>;
  /** Every compared artifact, or past ARTIFACT_LIST_LIMIT only the first not-identical ones (see artifactSummary). */
  artifacts: readonly ArtifactResult[];
  /** Counts over every compared artifact and where the full list is; null when nothing was compared (absent in older files). */
  artifactSummary?: ArtifactSummary | null;
  /** From bisect: the smallest variation sets that each change these artifacts; empty when not run or nondeterministic. */
  culprits: readonly Culprit[];
  /** The build differs from itself with nothing varied (the no-variation probe), so no variation is blamed. */
  nondeterministic: boolean;
  bisect: BisectResult;
  diffoscope: readonly DiffResult[];
  /** Milliseconds each phase took (prepare, build, compare, diffoscope, bisect), in the order they ended. */
  timings: Readonly<Record<string, number>>;
  /**
   * When each phase in \`timings\` started, in ms after the check started (as builds' and
   * probes' startMs): diffoscope and bisect run at once. null in files written before it
   * existed (absent there), whose timeline lays the phases end to end.
   */
  phaseStarts?: Readonly<Record<string, number>> | null;
  /** `twinbuild verify` only (else null): published artifacts are the "control" side, the rebuild the "experiment". */
  verify: VerifyInfo | null;
  /** How this package was built, so a report can print the command that reruns it; null in files written before it existed. */
  recipe: Recipe | null;
  /**
   * Differing artifacts the config's ignore list marks as known. A "reproducible"
   * verdict with knownDifferences > 0 passed only because they were ignored (exit 0
   * as before); every view says so next to the verdict.
   */
  knownDifferences: number;
  /** What to change: the known issue types the differences show, most certain first (empty when nothing differs). */
  diagnoses: readonly Diagnosis[];
  /** Differing artifacts no known type explains. */
  unclassified: readonly Unclassified[];
  /** Types a difference looked like, not claimed because a probe ruled out their variations. */
  ruledOut: readonly RuledOutType[];
  /**
   * Special files in the source left out of both build copies (they cannot be copied;
   * every view lists them); empty when there were none (absent in older files).
   */
  notCopied?: readonly NotCopied[];
}>;

/** A file in the source that was not copied into the builds: a FIFO, socket or device node (e.g. git's `.git/fsmonitor--daemon.ipc`). */
export type NotCopied = Readonly<{
  /** Relative to the source. */
  path: string;
  /** "fifo", "socket", "character device" or "block device". */
  kind: string;
}>;

/** The options a rerun of one package needs (what --vary enables comes from `variations`, the seed from the run). */
export type Recipe = Readonly<{
  preset: 'generic' | 'debian' | 'npm' | 'rpm';
  build: string;
  artifacts: readonly string[];
  /** --env given by the user (for verify, also what the buildinfo pinned: see verify.pinned). */
  env: Readonly<Record<string, string>>;
  isolation: 'auto' | 'namespaces' | 'sequential';
  /** --network: the builds kept the host's network (docs/sandbox.md). */
  network: boolean;
  /** --vary options (variation → option → values), e.g. environment.variables. */
  varyOptions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /**
   * The words that rerun this package as its user wrote them, without --seed (a report
   * appends the run's): for check and verify the user's own command line; for a package
   * of a sweep, \`twinbuild check SOURCE\` with its config entry's keys as flags and the
   * sweep's flags that check takes too (docs/reports.md). null when not run from the
   * command line (the rebuilder, verify --dir), and in files written before it existed.
   */
  rerun: readonly string[] | null;
}>;

export type VerifyInfo = Readonly<{
  published: readonly string[];
  buildinfo: string | null;
  /** What the rebuild took from the buildinfo (or why not). */
  pinned: Readonly<Record<string, string>>;
  notPinned: readonly string[];
  /** Installed-Build-Depends that differ on this machine: a likely cause of a mismatch (not fetched: no snapshot archive access). */
  dependencyDrift: readonly Readonly<{ package: string; buildinfo: string; installed: string | null }>[];
  /** The in-toto link written on a match, relative to the output directory. */
  link: string | null;
  statement: string | null;
}>;

export type RunResult = Readonly<{
  schema: typeof SCHEMA;
  tool: Readonly<{ name: 'twinbuild'; version: string }>;
  command: string;
  startedAt: string;
  finishedAt: string;
  seed: number;
  host: Readonly<{
    hostname: string;
    platform: string;
    arch: string;
    kernel: string;
    cpus: number;
    node: string;
    uid: number;
  }>;
  packages: readonly PackageResult[];
  /** ignored: artifact differences the config's ignore list marks as known (counted apart, never dropped). */
  summary: Readonly<{ total: number; reproducible: number; unreproducible: number; error: number; ignored: number }>;
  exitCode: number;
  /** A sweep's shard (1-based), when it ran one; else null. */
  shard: Readonly<{ index: number; total: number }> | null;
  /** With --baseline: how each package moved since then (exit 1 only for regressions); else null. */
  baseline: BaselineComparison | null;
  /** Set when the run stopped early (Ctrl-C): these packages have no result; else null. */
  incomplete: Readonly<{ reason: string; notFinished: readonly string[] }> | null;
  /** Why the run checked no package at all (a sweep that found none, or none in its shard); else null. */
  nothingChecked: string | null;
}>;

export type BaselineComparison = Readonly<{
  file: string;
  /** Reproducible in the baseline, not now. */
  regressions: readonly string[];
  fixed: readonly string[];
  stillBroken: readonly string[];
  new: readonly string[];
  removed: readonly string[];
}>;

export type HostInfo = RunResult['host'];

/** The run envelope, assembled in this one place for check, sweep, verify and merge. */
export function runResult(
  fields: Readonly<{
    command: string;
    version: string;
    startedAt: string;
    seed: number;
    host: HostInfo;
    packages: readonly PackageResult[];
    exitCode?: number;
    shard?: RunResult['shard'];
    baseline?: RunResult['baseline'];
    incomplete?: RunResult['incomplete'];
    nothingChecked?: string | null;
  }>,
): RunResult {
  return {
    schema: SCHEMA,
    tool: { name: 'twinbuild', version: fields.version },
    command: fields.command,
    startedAt: fields.startedAt,
    finishedAt: new Date().toISOString(),
    seed: fields.seed,
    host: fields.host,
    packages: fields.packages,
    summary: summarise(fields.packages),
    exitCode: fields.exitCode ?? exitCodeFor(fields.packages),
    shard: fields.shard ?? null,
    baseline: fields.baseline ?? null,
    incomplete: fields.incomplete ?? null,
    nothingChecked: fields.packages.length === 0 ? (fields.nothingChecked ?? null) : null,
  };
}

export function summarise(packages: readonly PackageResult[]): RunResult['summary'] {
  const count = (...v: Verdict[]) => packages.filter((p) => v.includes(p.verdict)).length;
  const ignored = packages.reduce((n, p) => n + p.artifacts.filter((a) => a.ignored).length, 0);
  return {
    total: packages.length,
    reproducible: count('reproducible', 'verified'),
    unreproducible: count('unreproducible', 'mismatch'),
    error: count('error'),
    ignored,
  };
}

/** Error beats unreproducible beats reproducible; no packages at all is an error, never a pass. */
export function exitCodeFor(packages: readonly PackageResult[]): number {
  if (packages.length === 0 || packages.some((p) => p.verdict === 'error')) return 3;
  return packages.some((p) => p.verdict === 'unreproducible' || p.verdict === 'mismatch') ? 1 : 0;
}
