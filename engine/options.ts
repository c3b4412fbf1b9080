// What one package run needs, normalised once by the CLI into a frozen object.
// Nothing downstream reads argv, the environment or the working directory.
import type { VarySpec } from '../variations/spec.js';

export type IsolationChoice = 'auto' | 'namespaces' | 'sequential';

export type DiffoscopeOptions = Readonly<{
  enabled: boolean;
  timeoutMs: number;
  maxReportBytes: number;
  extraArgs: readonly string[];
}>;

export type PackageOptions = Readonly<{
  /** A source directory, or a source package file (with `dsc`): a Debian `.dsc` or a `.src.rpm`. */
  source: string;
  name: string;
  preset: 'generic' | 'debian' | 'npm' | 'rpm';
  build: string;
  /** Globs relative to the side's directory: the source itself, or its parent when `subdir` is set. */
  artifacts: readonly string[];
  /** Put the source in this subdirectory of the side's directory (debian: `../*.deb` stays inside). */
  subdir: string | null;
  dsc: boolean;
  vary: VarySpec;
  seed: number;
  jobs: number;
  timeoutMs: number;
  outDir: string;
  /** Extra variables for both sides. */
  env: Readonly<Record<string, string>>;
  isolation: IsolationChoice;
  diffoscope: DiffoscopeOptions;
  /** Name the variations that cause a difference (probe builds); on by default. */
  bisect: boolean;
  /** --bisect-budget: the most probe builds bisect may start; absent or null for no limit. */
  bisectBudget?: number | null;
  keep: boolean;
  /** Where twinbuild makes its temp root (the caller's TMPDIR). */
  tempDir: string;
  /** PATH for the builds' clean environment and for finding twinbuild's own tools. */
  toolPath: string;
  /** twinbuild's cache dir (XDG_CACHE_HOME/twinbuild): the compiled disorderfs preload; absent or null: none. */
  cacheDir?: string | null;
  /** --network: the builds keep the host's network (never for verify or the rebuilder); off by default. */
  network?: boolean;
  /** Host paths no build may see besides the source and the out dir (HOME, a rebuilder's state dir). */
  hide?: readonly string[];
  /** The words that rerun this package as its user wrote them, without --seed (the result's recipe.rerun); absent or null: none. */
  rerun?: readonly string[] | null;
  /**
   * The absolute path the builds see their tree at, outside the temp root (verify: the
   * official build's path, so debug info and build-ids match); namespaces only. Absent:
   * the workspace's own build dir.
   */
  buildPath?: string;
  /** Per-build limits: processes of its host id and its data size in bytes (prlimit). */
  limits?: Readonly<{ processes: number; memoryBytes: number }>;
  /** --issue-types: the user's own catalogue files, added to twinbuild's known issue types. */
  issueTypes?: readonly string[];
}>;

export const freezeOptions = (options: PackageOptions): PackageOptions =>
  Object.freeze({
    ...options,
    artifacts: Object.freeze([...options.artifacts]),
    env: Object.freeze({ ...options.env }),
    diffoscope: Object.freeze({ ...options.diffoscope, extraArgs: Object.freeze([...options.diffoscope.extraArgs]) }),
  });

export const DEFAULT_DIFFOSCOPE: DiffoscopeOptions = Object.freeze({
  enabled: true,
  timeoutMs: 5 * 60_000,
  maxReportBytes: 20 * 1024 * 1024,
  extraArgs: Object.freeze([]),
});
