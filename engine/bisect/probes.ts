// Bisect probes: extra experiment builds with only some variations varied, each
// in its own corner of the workspace, at most `concurrency` at once, compared by
// hash against the control build (which is never rebuilt). When only the
// experiment build failed, the difference is the failure itself: a probe that
// fails differs, one that builds is the same, whatever its bytes.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { ArtifactResult, ProbeResult } from '../../reports/model.js';
import { SearchCancelled, type Probe } from './search.js';
import { buildFailure, runBuild, sandboxFor, type Isolation } from '../build/build.js';
import { compareArtifacts } from '../compare/compare.js';
import type { ProgressSink } from '../../core/events.js';
import { isTwinbuildError } from '../../core/errors.js';
import type { PackageOptions } from '../options.js';
import type { Planner } from '../prepare/planning.js';
import type { ProcessRunner } from '../../adapters/process.js';
import { placeSource } from '../prepare/source.js';
import { createProbeWorkspace, type Workspace } from '../prepare/workspace.js';

const LISTED_DIFFERENCES = 50;

export class ProbeFailed extends Error {}

/** The one "artifact" a probe differs in when the failure is the difference (never a real path: it has no slash). */
export const BUILD_FAILS = '(the build fails)';

/** What makes a probe differ from the control: other artifact bytes, or a failed build. */
export type Difference = 'artifacts' | 'build-fails';

/** `differing`: its artifacts that differ from the control's (at most ARTIFACT_LIST_LIMIT). */
export type ProbeRun = Readonly<{ id: string; tree: string; differing: readonly ArtifactResult[] }>;

export type ProbeDeps = Readonly<{
  options: PackageOptions;
  runner: ProcessRunner;
  signal: AbortSignal;
  progress: ProgressSink;
  workspace: Workspace;
  isolation: Isolation;
  planner: Planner;
  /**
   * The control build's tree: each probe is compared with it as a stream, so no hash of it is held
   * (unused when the difference is build-fails).
   */
  controlDir: string;
  difference: Difference;
  logDir: string;
  /** performance.now() when the check started, for the timeline. */
  checkStarted: number;
}>;

export type ProbeRunner = Readonly<{
  probe: Probe;
  /** Queued probes end without building (running ones finish). */
  cancel: () => void;
  /** Resolves once no probe is building any more (before the workspace goes). */
  drain: () => Promise<void>;
  results: () => ProbeResult[];
  /** The kept tree of a probe that differed, by variation set, for diffoscope. */
  runFor: (variations: readonly string[]) => ProbeRun | undefined;
  /** The id of the probe that varied exactly these, if one ran. */
  idFor: (variations: readonly string[]) => string | undefined;
}>;

export function createProbeRunner(deps: ProbeDeps): ProbeRunner {
  const { options } = deps;
  // Sequential isolation renames each tree into the one build path: one at a time.
  const limit = pLimit(deps.isolation === 'sequential' ? 1 : options.jobs);
  const results: ProbeResult[] = [];
  const kept = new Map<string, ProbeRun>();
  const ids = new Map<string, string>();
  let cancelled = false;
  let started = 0;
  // Slots of the builds running at once (see VaryContext.slot): a probe takes the lowest free one.
  const busySlots = new Set<number>();
  const takeSlot = () => {
    let slot = 0;
    while (busySlots.has(slot)) slot++;
    busySlots.add(slot);
    return slot;
  };
  const inFlight = new Set<Promise<unknown>>();
  const since = () => Math.round(performance.now() - deps.checkStarted);

  const runOne = async (variations: readonly string[]): Promise<ReadonlySet<string>> => {
    const record = (r: Omit<ProbeResult, 'round'>) => results.push({ ...r, round: 0 });
    // Queued probes that are no longer needed end here, before building anything.
    if (cancelled || deps.signal.aborted) throw new SearchCancelled('not needed');
    const id = variations.length === 0 ? 'none' : `p${++started}`;
    ids.set(variations.join(','), id);
    const startMs = since();
    const { workspace, dir } = await createProbeWorkspace(deps.workspace, id);
    const tree = workspace.sideDir('experiment');
    const log = join(deps.logDir, `probe-${id}.log`);
    const slot = takeSlot();
    let keep = false;
    try {
      await placeSource(options, tree, deps.runner, [options.outDir, deps.workspace.root]);
      await writeFile(log, `# probe ${id}: varied ${variations.join(', ') || 'nothing'}\n`);
      const plan = deps.planner.plan('experiment', new Set(variations), workspace, undefined, slot);
      const sandbox = sandboxFor(options);
      const outcome = await runBuild(
        {
          plan,
          workspace,
          isolation: deps.isolation,
          logFile: log,
          timeoutMs: options.timeoutMs,
          signal: deps.signal,
          sandbox,
        },
        deps.runner,
      );
      const failure = await buildFailure(`probe ${id}`, outcome, options.timeoutMs, log, sandbox.limits);
      const finish = (
        status: ProbeResult['status'],
        differing: readonly string[],
        message: string | null,
        count?: number,
      ) => {
        const durationMs = since() - startMs;
        record({
          id,
          variations,
          status,
          differing: differing.slice(0, LISTED_DIFFERENCES),
          differingCount: count ?? differing.length,
          startMs,
          durationMs,
          message,
        });
        deps.progress({ kind: 'probe-finished', id, variations, status, durationMs });
      };
      // Only the build command's own failure counts: twinbuild's set-up failing or a timeout is no verdict on the environment.
      if (deps.difference === 'build-fails' && (!failure || failure.code === 'build-failed')) {
        finish(failure ? 'fails' : 'same', [], failure?.message ?? null);
        return new Set(failure ? [BUILD_FAILS] : []);
      }
      if (failure) {
        finish('error', [], failure.message);
        throw new ProbeFailed(`${failure.message} (log: ${join('logs', options.name, `probe-${id}.log`)})`);
      }
      // Note: a probe's artifact that leaves its tree is never read; the probe fails, naming it.
      const compared = await compareArtifacts(
        { control: deps.controlDir, experiment: tree },
        options.artifacts,
        options.jobs,
        deps.signal,
      ).catch((cause: unknown) => {
        if (!isTwinbuildError(cause) || cause.code !== 'artifact-escapes-tree') throw cause;
        finish('error', [], cause.message);
        throw new ProbeFailed(`probe ${id}: ${cause.message}`);
      });
      const differingArtifacts = compared.artifacts.filter((a) => a.status !== 'identical');
      const differing = differingArtifacts.map((a) => a.path);
      finish(differing.length > 0 ? 'differs' : 'same', differing, null, compared.summary.notIdentical);
      if (differing.length > 0) {
        keep = true;
        kept.set(variations.join(','), { id, tree, differing: differingArtifacts });
      }
      return new Set(differing);
    } finally {
      busySlots.delete(slot);
      // A probe that matched the control is not needed again: free its disk now.
      if (!keep) await rm(dir, { recursive: true, force: true });
    }
  };

  return {
    probe: (variations) => {
      const run = limit(() => runOne(variations));
      const settled = run.catch(() => {}).finally(() => inFlight.delete(settled));
      inFlight.add(settled);
      return run;
    },
    drain: async () => {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    cancel: () => {
      cancelled = true;
    },
    results: () => results.slice(),
    runFor: (variations) => kept.get(variations.join(',')),
    idFor: (variations) => ids.get(variations.join(',')),
  };
}
