// Compares what was built with the run's reference: the experiment's tree, or
// the published files (verify). `dirs` are where diffoscope finds each pair.
import type { ArtifactResult } from '../../reports/model.js';
import type { PackageOptions } from '../options.js';
import type { Workspace } from '../prepare/workspace.js';
import type { Reference } from '../reference.js';
import { compareArtifacts, hashArtifacts, type HashedTree } from './compare.js';
import { compareWithPublishedFiles, stagePublishedPairs } from './published.js';

export type SidesCompared = Readonly<{
  artifacts: ArtifactResult[];
  /** The control side's hashes, which bisect probes are compared against. */
  control: HashedTree;
  dirs: Readonly<{ control: string; experiment: string }>;
  /** Only a varied experiment can be bisected; verify rebuilds once. */
  bisectable: boolean;
}>;

/** Compares the build(s) with the reference; `dirs` are where diffoscope finds each pair. */
export async function compareSides(reference: Reference, options: PackageOptions, workspace: Workspace, signal?: AbortSignal): Promise<SidesCompared> {
  if (reference.kind === 'experiment') {
    const dirs = { control: workspace.sideDir('control'), experiment: workspace.sideDir('experiment') };
    const comparison = await compareArtifacts(dirs, options.artifacts, options.jobs, signal);
    return { artifacts: comparison.artifacts, control: comparison.control, dirs, bisectable: true };
  }
  const rebuiltDir = workspace.sideDir('control');
  const rebuilt = await hashArtifacts(rebuiltDir, options.artifacts, options.jobs, signal);
  const artifacts: ArtifactResult[] = await compareWithPublishedFiles(reference.files, rebuilt, rebuiltDir);
  const differing = artifacts.filter((a) => a.status !== 'identical');
  const dirs = differing.length > 0 && options.diffoscope.enabled
    ? await stagePublishedPairs(reference.files, rebuilt, rebuiltDir, differing, workspace.root, options.name)
    : { control: rebuiltDir, experiment: rebuiltDir };
  return { artifacts, control: rebuilt, dirs, bisectable: false };
}

