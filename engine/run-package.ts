// The engine's one entry point: one package, from its source to a PackageResult,
// as its phases (engine/phases/):
//   prepare → build → prove (effectiveness) → compare → explain and bisect → result → diagnose
// `check` and each package of a `sweep` compare a control build with a varied
// experiment build; `verify` compares one rebuild with the published files
// (phases/reference-kinds.ts holds what that changes). Build failures come back as
// an `error` verdict (so results.json still records them); only usage problems and
// interruption are thrown.
import type { PackageResult } from '../reports/model.js';
import { isTwinbuildError } from '../core/errors.js';
import type { PackageOptions } from './options.js';
import { reapStaleRootsOnce } from './prepare/stale-roots.js';
import { assertReadableSource, createWorkspace, disposeWorkspace, type Workspace } from './prepare/workspace.js';
import { bisectFailure } from './phases/bisect.js';
import { build } from './phases/build.js';
import { compare } from './phases/compare.js';
import { explainAndBisect } from './phases/explain.js';
import { diagnosed } from './phases/diagnose.js';
import { prepare } from './phases/prepare.js';
import { ineffectiveRequests, prove } from './phases/prove.js';
import { withTestSuiteHint } from './phases/test-suite.js';
import { baseResult, differsResult, settledResult } from './phases/result.js';
import { stageOf, type EngineDeps, type PackageRun, type Stage } from './phases/stage.js';

export type { EngineDeps, PackageRun } from './phases/stage.js';
export { chooseIsolation } from './prepare/isolation.js';
export { errorPackageResult } from './phases/result.js';

export async function runPackage(run: PackageRun, deps: EngineDeps): Promise<PackageResult> {
  const runStarted = performance.now();
  const { options } = run;
  await assertReadableSource(options.source, options.dsc);
  deps.progress({ kind: 'phase', phase: 'prepare' }); // availability checks + copying the source
  await reapLeftovers(options.tempDir, deps);
  const workspace = await createWorkspace(options.name, options.tempDir, { kept: options.keep });
  try {
    return await runPhases(stageOf(run, deps, workspace, runStarted));
  } finally {
    await cleanUp(options, deps, workspace);
  }
}

// The phases in order; each early return is a verdict reached before the last phase.
async function runPhases(stage: Stage): Promise<PackageResult> {
  const prepared = await prepare(stage);
  const sides = await build(stage, prepared);
  const proved = await prove(stage, prepared, sides.failure !== null);
  const base = baseResult(stage, prepared, proved, sides.builds);
  const built = { base, planner: proved.planner, builds: sides.builds };
  if (sides.failure) return bisectFailure(stage, built, withTestSuiteHint(stage.options, sides.builds, sides.failure));
  const ineffective = ineffectiveRequests(stage.options, proved.verdicts);
  if (ineffective) return { ...base, verdict: 'error', error: ineffective, artifacts: [] };
  const compared = await compare(stage);
  if ('error' in compared) return { ...base, verdict: 'error', error: compared.error, artifacts: [] };
  const settled = settledResult(stage, base, compared.sides);
  if (settled) return settled;
  const explained = await explainAndBisect(stage, built, compared.sides);
  return diagnosed(stage, differsResult(stage, base, compared.sides, explained));
}

// Temp roots of a twinbuild that was killed (SIGKILL leaves no chance to clean up).
async function reapLeftovers(tempDir: string, deps: EngineDeps): Promise<void> {
  const { removed, failed } = await reapStaleRootsOnce(tempDir, deps.runner);
  for (const r of removed)
    deps.progress({ kind: 'note', message: `removed a stale temp root ${r.root} (${r.reason})` });
  for (const r of failed)
    deps.progress({ kind: 'note', message: `could not remove the stale temp root ${r.root}: ${r.error}` });
}

async function cleanUp(options: PackageOptions, deps: EngineDeps, workspace: Workspace): Promise<void> {
  deps.progress({ kind: 'phase', phase: 'cleanup' });
  if (options.keep) {
    deps.progress({ kind: 'note', message: `kept workspace: ${workspace.root}` });
    return;
  }
  // Note: files that cannot be removed must not cost the verdict (the next run, or twinbuild clean,
  // reaps the root); something still mounted below it is an error, as ever.
  await disposeWorkspace(workspace, deps.runner).catch((error: Error) => {
    if (isTwinbuildError(error)) throw error;
    deps.progress({ kind: 'note', message: `could not remove the temp root ${workspace.root}: ${error.message}` });
  });
}
