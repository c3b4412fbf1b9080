// The rebuilder: rebuild a package once, with what its .buildinfo pins where
// twinbuild can, and compare each published artifact byte for byte with the
// rebuilt one. Same result model as check: verified, mismatch or error.
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { REGISTRY } from '../variations/index.js';
import { checkVariations } from '../engine/prepare/availability.js';
import { buildFailure, fullCommand, runBuild, tail, LOG_TAIL_LINES } from '../engine/build/build.js';
import { chooseIsolation } from '../engine/run-package.js';
import { hashArtifacts } from '../engine/compare/compare.js';
import { explainDifferences } from '../engine/explain/diffoscope.js';
import { TwinbuildError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import type { CheckOptions } from '../engine/options.js';
import { createPlanner, variationResults } from '../engine/prepare/planning.js';
import type { ProcessRunner } from '../adapters/process.js';
import { placeSource } from '../engine/prepare/source.js';
import { assertReadableSource, createWorkspace, removeWorkspace } from '../engine/prepare/workspace.js';
import { BISECT_NOT_RUN, type ArtifactResult, type PackageResult, type VerifyInfo } from '../reports/model.js';
import { readBuildinfo, type Buildinfo } from './buildinfo.js';

export type VerifyRequest = Readonly<{ options: CheckOptions; published: readonly string[]; buildinfo: string | null }>;
export type VerifyDeps = Readonly<{ runner: ProcessRunner; signal: AbortSignal; note: (line: string) => void }>;
export type Verified = Readonly<{ result: PackageResult; rebuiltDir: string | null; cleanup: () => Promise<void> }>;

async function publishedHashes(files: readonly string[]): Promise<Map<string, { file: string; sha256: string; size: number }>> {
  const entries = await Promise.all(
    files.map(async (file) => {
      const info = await stat(file).catch((cause: Error) => {
        throw new TwinbuildError('usage', `cannot read published file ${file}: ${cause.message}`, { cause });
      });
      return [basename(file), { file, sha256: await sha256File(file, info.size), size: info.size }] as const;
    }),
  );
  return new Map(entries);
}

// Note: a buildinfo that disagrees with the files it describes means the inputs are wrong, not the build.
function checkAgainstBuildinfo(buildinfo: Buildinfo, published: Map<string, { sha256: string }>): void {
  for (const [name, { sha256 }] of published) {
    const recorded = buildinfo.sha256[name];
    if (recorded && recorded !== sha256) {
      throw new TwinbuildError('usage', `${buildinfo.file} says ${name} has sha256 ${recorded}, but the published file has ${sha256}: wrong buildinfo or tampered file`);
    }
  }
}

async function dependencyDrift(buildinfo: Buildinfo | null, runner: ProcessRunner): Promise<VerifyInfo['dependencyDrift']> {
  const wanted = Object.entries(buildinfo?.buildDepends ?? {});
  if (wanted.length === 0) return [];
  const names = wanted.map(([name]) => name.replace(/:.*$/, ''));
  const query = await runner.capture(['dpkg-query', '-W', '-f=${Package} ${Version}\\n', ...names]);
  const installed = new Map(query.stdout.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
  return wanted
    .map(([name, version]) => ({ package: name, buildinfo: version, installed: installed.get(name.replace(/:.*$/, '')) ?? null }))
    .filter((d) => d.installed !== d.buildinfo);
}

export async function runVerify(request: VerifyRequest, deps: VerifyDeps): Promise<Verified> {
  const { published: files } = request;
  await assertReadableSource(request.options.source, request.options.dsc);
  const published = await publishedHashes(files);
  const buildinfo = request.buildinfo ? await readBuildinfo(request.buildinfo) : null;
  if (buildinfo) checkAgainstBuildinfo(buildinfo, published);
  const pinned = { ...(buildinfo?.environment ?? {}) };
  const options: CheckOptions = { ...request.options, env: { ...request.options.env, ...pinned } };
  const notPinned = buildinfo?.buildPath ? [`Build-Path ${buildinfo.buildPath} (twinbuild builds under its own temp root)`] : [];
  if (buildinfo?.architecture && !buildinfo.architecture.split(' ').every((a) => a === 'all' || a === 'source' || a === process.arch.replace('x64', 'amd64'))) {
    notPinned.push(`Architecture ${buildinfo.architecture} (this machine builds ${process.arch.replace('x64', 'amd64')})`);
  }

  const workspace = await createWorkspace(options.name);
  const cleanup = () => (options.keep ? Promise.resolve() : removeWorkspace(workspace, async (point) => void (await deps.runner.capture(['umount', '--lazy', point])), async (dir) => void (await deps.runner.capture(['rm', '-rf', '--one-file-system', '--', dir]))));
  try {
    const isolation = await chooseIsolation(options, deps.runner);
    const [{ availability, host }] = await Promise.all([
      checkVariations(REGISTRY, deps.runner, workspace.scratchDir, isolation === 'namespaces'),
      placeSource(options, workspace.sideDir('control'), deps.runner, [options.outDir, workspace.root]),
    ]);
    const plan = createPlanner({ ...options, vary: { ...options.vary, enabled: [] } }, availability, host, workspace).control;
    const logDir = join(options.outDir, 'logs', options.name);
    await mkdir(logDir, { recursive: true });
    const log = join(logDir, 'rebuild.log');
    await writeFile(log, '');
    deps.note('rebuilding');
    const started = performance.now();
    const outcome = await runBuild({ plan, workspace, isolation, logFile: log, timeoutMs: options.timeoutMs, signal: deps.signal }, deps.runner);
    if (deps.signal.aborted) throw new TwinbuildError('interrupted', 'interrupted');
    const failure = await buildFailure('rebuild', outcome, options.timeoutMs, log);
    const rebuilt = failure ? new Map() : await hashArtifacts(workspace.sideDir('control'), options.artifacts, options.jobs);
    const byName = new Map([...rebuilt].map(([path, entry]) => [basename(path), { path, entry }]));
    const artifacts: ArtifactResult[] = [...published].map(([name, p]) => {
      const r = byName.get(name);
      const sha = r?.entry.sha256 ?? null;
      return {
        path: name, kind: 'file', status: !r ? 'missing-in-experiment' : sha === p.sha256 ? 'identical' : 'differs',
        size: { control: p.size, experiment: r?.entry.size ?? null }, sha256: { control: p.sha256, experiment: sha },
      };
    });
    const mismatched = artifacts.filter((a) => a.status !== 'identical');
    const info: VerifyInfo = {
      published: files.map((f) => relative(process.cwd(), f) || f), buildinfo: request.buildinfo, pinned, notPinned,
      dependencyDrift: await dependencyDrift(buildinfo, deps.runner), link: null, statement: null,
    };
    const base = {
      name: options.name, source: options.source, variations: variationResults({ ...options, vary: { ...options.vary, enabled: [] } }, availability), isolation,
      buildPath: 'shared' as const, culprits: [], nondeterministic: false, bisect: BISECT_NOT_RUN('verify rebuilds once'), timings: { rebuild: Math.round(performance.now() - started) },
      builds: {
        control: null,
        experiment: {
          exitCode: outcome.exitCode, signal: outcome.signal, timedOut: outcome.timedOut, startMs: 0, durationMs: outcome.durationMs,
          log: relative(options.outDir, log), logTail: failure ? await tail(log, LOG_TAIL_LINES) : [], command: fullCommand({ plan, workspace, isolation }), values: plan.values,
        },
      },
      verify: info,
    };
    if (failure) return { result: { ...base, verdict: 'error', error: failure, artifacts: [], diffoscope: [] }, rebuiltDir: null, cleanup };
    if (mismatched.length === 0) return { result: { ...base, verdict: 'verified', error: null, artifacts, diffoscope: [] }, rebuiltDir: workspace.sideDir('control'), cleanup };
    // diffoscope reads published/NAME/x against rebuilt/NAME/x, copies side by side in the workspace.
    const dirs = { control: join(workspace.root, 'published', options.name), experiment: join(workspace.root, 'rebuilt', options.name) };
    await Promise.all([mkdir(dirs.control, { recursive: true }), mkdir(dirs.experiment, { recursive: true })]);
    for (const a of mismatched) {
      await copyFile(published.get(a.path)!.file, join(dirs.control, a.path));
      const r = byName.get(a.path);
      if (r) await copyFile(join(workspace.sideDir('control'), r.path), join(dirs.experiment, a.path));
    }
    const diffs = options.diffoscope.enabled
      ? await explainDifferences(mismatched, { ...options.diffoscope, outDir: options.outDir, packageName: options.name, dirs, root: workspace.root, jobs: options.jobs, signal: deps.signal }, deps.runner)
      : [];
    const crashed = diffs.find((d) => d.status === 'error');
    const error = crashed ? { code: 'diffoscope-failed', message: `${crashed.artifact}: ${crashed.message}` } : null;
    return { result: { ...base, verdict: error ? 'error' : 'mismatch', error, artifacts, diffoscope: diffs }, rebuiltDir: null, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
