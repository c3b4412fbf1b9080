// Compares what was built with the run's reference: the experiment's tree, or
// the published files (verify). `dirs` are where diffoscope finds each pair.
import { basename, join } from 'node:path';
import {
  ARTIFACT_LIST_LIMIT,
  artifactListFile,
  type ArtifactResult,
  type ArtifactSummary,
} from '../../reports/model.js';
import type { PackageOptions } from '../options.js';
import type { Workspace } from '../prepare/workspace.js';
import type { Reference } from '../reference.js';
import { compareArtifacts, hashArtifacts, summaryOf } from './compare.js';
import { compareWithPublishedFiles, stagePublishedPairs } from './published.js';

export type SidesCompared = Readonly<{
  /** Every artifact, or past ARTIFACT_LIST_LIMIT the first not-identical ones (see `summary`). */
  artifacts: ArtifactResult[];
  summary: ArtifactSummary;
  dirs: Readonly<{ control: string; experiment: string }>;
  /** Only a varied experiment can be bisected; verify rebuilds once. */
  bisectable: boolean;
}>;

/** Compares the build(s) with the reference; `dirs` are where diffoscope finds each pair. */
export async function compareSides(
  reference: Reference,
  options: PackageOptions,
  workspace: Workspace,
  signal?: AbortSignal,
): Promise<SidesCompared> {
  if (reference.kind === 'experiment') {
    const dirs = { control: workspace.sideDir('control'), experiment: workspace.sideDir('experiment') };
    const shown = artifactListFile(options.name);
    const comparison = await compareArtifacts(dirs, options.artifacts, options.jobs, signal, {
      limit: ARTIFACT_LIST_LIMIT,
      file: { path: join(options.outDir, shown), shown },
    });
    return { artifacts: comparison.artifacts, summary: comparison.summary, dirs, bisectable: true };
  }
  const rebuiltDir = workspace.sideDir('control');
  // Only rebuilt artifacts named like a published file are kept: as many as were published.
  const rebuilt = await hashArtifacts(rebuiltDir, options.artifacts, options.jobs, signal, (path) =>
    reference.files.has(basename(path)),
  );
  const artifacts: ArtifactResult[] = await compareWithPublishedFiles(reference.files, rebuilt, rebuiltDir);
  const differing = artifacts.filter((a) => a.status !== 'identical');
  const dirs =
    differing.length > 0 && options.diffoscope.enabled
      ? await stagePublishedPairs(reference.files, rebuilt, rebuiltDir, differing, workspace.root, options.name)
      : { control: rebuiltDir, experiment: rebuiltDir };
  return { artifacts, summary: summaryOf(artifacts), dirs, bisectable: false };
}
