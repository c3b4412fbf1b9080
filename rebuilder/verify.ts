// The rebuilder: what a verify adds around the engine. It hashes the published
// files, reads the .buildinfo (whose checksums must agree with them, and from whose
// Environment the rebuild takes an allowlist of variables), runs the package once through the engine with
// the published files as its reference, lists build-dependency drift, and on a
// match writes a signed in-toto link. Same result model as check.
import { readFile, stat } from 'node:fs/promises';
import { machine } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { TwinbuildError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { installedVersions } from '../adapters/dpkg.js';
import type { Published } from '../engine/compare/published.js';
import type { PackageOptions } from '../engine/options.js';
import { runPackage, type EngineDeps } from '../engine/run-package.js';
import type { PackageResult, VerifyInfo } from '../reports/model.js';
import { hashTree, writeRebuildLink, type Digests } from '../attest/link.js';
import { parseDeb822, readBuildinfo, rebuildEnvironment, type Buildinfo } from './buildinfo.js';
import { readRpmBuildinfo, rpmBuildinfoNotes } from './rpm-buildinfo.js';
import { prepareRpmRebuild } from './rpm-verify.js';

export type VerifyRequest = Readonly<{
  options: PackageOptions;
  published: readonly string[];
  buildinfo: string | null;
  /** Where the in-toto link goes on a match, signed with this key; null: no link. */
  link: Readonly<{
    dir: string;
    signingKey: string;
    /** Product names as the consumer sees the files (apt's "%3a" epochs); default: as built. */ productNames?: Readonly<
      Record<string, string>
    >;
  }> | null;
  /** Published paths are shown relative to this directory (the user's working directory). */
  shownFrom: string;
}>;

async function publishedHashes(files: readonly string[]): Promise<Published> {
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
function checkAgainstBuildinfo(buildinfo: Buildinfo, published: Published): void {
  for (const [name, { sha256 }] of published) {
    const recorded = buildinfo.sha256[name];
    if (recorded && recorded !== sha256) {
      throw new TwinbuildError(
        'usage',
        `${buildinfo.file} says ${name} has sha256 ${recorded}, but the published file has ${sha256}: wrong buildinfo or tampered file`,
      );
    }
  }
}

async function dependencyDrift(buildinfo: Buildinfo | null, deps: EngineDeps): Promise<VerifyInfo['dependencyDrift']> {
  const wanted = Object.entries(buildinfo?.buildDepends ?? {});
  const bare = (name: string) => name.replace(/:.*$/, '');
  const installed = await installedVersions(
    deps.runner,
    wanted.map(([name]) => bare(name)),
  );
  return wanted
    .map(([name, version]) => ({ package: name, buildinfo: version, installed: installed.get(bare(name)) ?? null }))
    .filter((d) => d.installed !== d.buildinfo);
}

function notPinnedBy(buildinfo: Buildinfo | null): string[] {
  const notPinned = buildinfo?.buildPath
    ? [`Build-Path ${buildinfo.buildPath} (twinbuild builds under its own temp root)`]
    : [];
  const here = process.arch.replace('x64', 'amd64');
  if (
    buildinfo?.architecture &&
    !buildinfo.architecture.split(' ').every((a) => a === 'all' || a === 'source' || a === here)
  ) {
    notPinned.push(`Architecture ${buildinfo.architecture} (this machine builds ${here})`);
  }
  return notPinned;
}

// Note: the rebuild runs as twinbuild's control build does, on one CPU (taskset)
// with parallel=1 (build_jobs pinned); a buildinfo's parallel=N would only be
// overwritten, so it is dropped from what is pinned and said so, not shown as taken.
function withoutParallel(taken: Readonly<Record<string, string>>): {
  pinned: Record<string, string>;
  unpinned: string[];
} {
  const options = taken['DEB_BUILD_OPTIONS'];
  const parallel = options?.split(/\s+/).find((o) => o.startsWith('parallel='));
  if (options === undefined || !parallel) return { pinned: { ...taken }, unpinned: [] };
  const { DEB_BUILD_OPTIONS: _dropped, ...rest } = taken;
  const kept = options
    .split(/\s+/)
    .filter((o) => o && !o.startsWith('parallel='))
    .join(' ');
  const note = `DEB_BUILD_OPTIONS ${parallel} (the rebuild runs on 1 CPU with parallel=1, as a control build does)`;
  return { pinned: kept ? { ...rest, DEB_BUILD_OPTIONS: kept } : rest, unpinned: [note] };
}

const isRpmVerify = (request: VerifyRequest) =>
  request.options.preset === 'rpm' || request.published.some((f) => f.endsWith('.rpm'));

export async function runVerify(request: VerifyRequest, deps: EngineDeps): Promise<PackageResult> {
  if (isRpmVerify(request)) return runRpmVerify(request, deps);
  const published = await publishedHashes(request.published);
  const buildinfo = request.buildinfo ? await readBuildinfo(request.buildinfo) : null;
  if (buildinfo) checkAgainstBuildinfo(buildinfo, published);
  const environment = rebuildEnvironment(buildinfo?.environment ?? {});
  const { pinned, unpinned } = withoutParallel(environment.taken);
  const options: PackageOptions = { ...request.options, env: { ...request.options.env, ...pinned } };
  const result = await runPackage({ options, reference: { kind: 'published', files: published } }, deps);
  const info: VerifyInfo = {
    published: request.published.map((f) => relative(request.shownFrom, f) || f),
    buildinfo: request.buildinfo,
    pinned,
    notPinned: [...notPinnedBy(buildinfo), ...unpinned, ...environment.refused],
    dependencyDrift: await dependencyDrift(buildinfo, deps),
    link: null,
    statement: null,
  };
  return withLink(request, options, result, info);
}

// An RPM: BUILDHOST and BUILDTIME come from the published headers, the build path
// (%_topdir) from their debug info or the buildinfo (else mock's, the same on every
// rebuilder), and a signed RPM is compared without its signature header. An rpmreproduce buildinfo (Format:
// 0.2-rpm), when given, must agree with the published files' checksums, and its
// Environment goes through the same allowlist as a Debian one.
async function runRpmVerify(request: VerifyRequest, deps: EngineDeps): Promise<PackageResult> {
  const published = await publishedHashes(request.published);
  const buildinfo = request.buildinfo ? await readRpmBuildinfo(request.buildinfo) : null;
  if (buildinfo) checkAgainstBuildinfo(buildinfo, published);
  const environment = rebuildEnvironment(buildinfo?.environment ?? {});
  const options: PackageOptions = { ...request.options, env: { ...request.options.env, ...environment.taken } };
  const rpm = await prepareRpmRebuild(deps.runner, options, published, buildinfo?.buildPath ?? null);
  const result = await runPackage(
    { options: rpm.options, reference: { kind: 'published', files: rpm.published } },
    deps,
  );
  const fromBuildinfo = buildinfo ? rpmBuildinfoNotes(buildinfo, machine(), rpm.pinned['SOURCE_DATE_EPOCH']) : [];
  const info: VerifyInfo = {
    published: request.published.map((f) => relative(request.shownFrom, f) || f),
    buildinfo: request.buildinfo,
    pinned: { ...environment.taken, ...rpm.pinned },
    notPinned: [...rpm.notes, ...fromBuildinfo, ...environment.refused],
    dependencyDrift: [],
    link: null,
    statement: null,
  };
  return withLink(request, rpm.options, result, info);
}

// Note: the products are the published files as published (a signed RPM with its signature), whose hashes the control column holds.
async function withLink(
  request: VerifyRequest,
  options: PackageOptions,
  result: PackageResult,
  info: VerifyInfo,
): Promise<PackageResult> {
  if (result.verdict !== 'verified' || !request.link) return { ...result, verify: info };
  const link = await writeRebuildLink({
    outDir: request.link.dir,
    signingKeyPath: request.link.signingKey,
    name: 'rebuild',
    materials: await materialsOf(options.source),
    products: Object.fromEntries(
      result.artifacts.map((a) => [request.link!.productNames?.[a.path] ?? a.path, { sha256: a.sha256.control! }]),
    ),
    command: result.builds.experiment?.command ?? [],
    byproducts: { stdout: '', stderr: '', 'return-value': result.builds.experiment?.exitCode ?? 0 },
  });
  const rel = (path: string) => relative(options.outDir, path);
  return { ...result, verify: { ...info, link: rel(link.path), statement: rel(link.statement) } };
}

// Note: for a .dsc, the materials are the .dsc and the files it lists (Checksums-Sha256); a .src.rpm is one file.
async function materialsOf(source: string): Promise<Digests> {
  if (source.endsWith('.src.rpm')) return { [basename(source)]: { sha256: await sha256File(source) } };
  if (!source.endsWith('.dsc')) return hashTree(source);
  const listed = (parseDeb822(await readFile(source, 'utf8')).get('Checksums-Sha256') ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[2])
    .filter((n): n is string => !!n);
  const files = [basename(source), ...listed];
  return Object.fromEntries(
    await Promise.all(files.map(async (f) => [f, { sha256: await sha256File(join(dirname(source), f)) }] as const)),
  );
}
