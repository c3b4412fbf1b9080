// One job's rebuild, wherever it runs (the coordinator itself, or a worker on
// another machine): the source and published files downloaded and checked against
// the index, the .buildinfo, verify's engine, and the reports written. A worker
// builds without the key: what the coordinator needs to sign the link (materials,
// products, command) comes back as a LinkInput.
import { basename, join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { LinkInput } from '../../attest/link.js';
import { sha256File } from '../../core/hash.js';
import { runResult, type PackageResult } from '../../reports/model.js';
import { writeReports } from '../../reports/write.js';
import { runVerify } from '../verify.js';
import type { ServiceConfig } from './config.js';
import { download, fetchBuildinfo } from './downloads.js';
import type { RemoteFile } from './indexes.js';
import { aptFileName } from './publish.js';
import type { ServiceDeps } from './deps.js';
import type { Job } from './state.js';

export type Rebuilt = Readonly<{
  result: PackageResult;
  /** A verified rebuild's link contents, for a coordinator to sign (null otherwise, or when signed here). */
  link: LinkInput | null;
}>;

type Settings = Pick<ServiceConfig, 'repositories' | 'fetchTimeoutMs' | 'maxIndexBytes'>;

/**
 * Rebuilds `job` in `work` (emptied first) with its reports in `reportDir`; `signingKey`: verify signs the link
 * into `work`/link itself, else the link's contents are returned for the coordinator.
 */
export async function rebuildJob(
  job: Job,
  config: Settings,
  deps: ServiceDeps,
  work: string,
  reportDir: string,
  signingKey: string | null,
): Promise<Rebuilt> {
  const { spec } = job;
  const repo = config.repositories.find((r) => r.name === spec.repository);
  if (!repo) throw new Error(`repository ${spec.repository} is no longer configured`);
  if (repo.format !== (spec.format ?? 'apt'))
    throw new Error(
      `repository ${spec.repository} is now an ${repo.format} repository; this job came from its ${spec.format ?? 'apt'} index`,
    );
  await rm(work, { recursive: true, force: true });
  const sources = join(work, 'source');
  const published = join(work, 'published');
  const fetchFile = (file: RemoteFile, to: string) => download(repo.url, file, to, config.fetchTimeoutMs, deps.signal);
  const sourcePaths = await Promise.all(spec.sourceFiles.map((f) => fetchFile(f, sources)));
  const binaries = await Promise.all(spec.binaries.map((b) => fetchFile(b, published)));
  // Note: an RPM's BUILDHOST and BUILDTIME come from its published header; an RPM repository has no .buildinfo.
  const rpm = repo.format === 'rpm';
  const buildinfo = rpm
    ? null
    : await fetchBuildinfo(repo.url, repo.buildinfo, spec, deps.hostArchitecture, work, config, deps.signal);
  const options = await deps.packageOptions(sourcePaths[0]!, rpm ? 'rpm' : 'debian', spec.source, reportDir);
  // Products are named as the client stores the file: apt's name for a .deb (epoch as %3a), the file name for an RPM.
  const productNames = Object.fromEntries(
    spec.binaries.map((b) => [basename(b.path), rpm ? basename(b.path) : aptFileName(b)]),
  );
  const result = await runVerify(
    {
      options,
      published: binaries,
      buildinfo,
      link: signingKey === null ? null : { dir: join(work, 'link'), signingKey, productNames },
      shownFrom: work,
    },
    deps,
  );
  await writeReports(
    runResult({
      command: 'rebuilder',
      version: deps.version,
      startedAt: new Date(job.updatedAt).toISOString(),
      seed: 0,
      host: deps.host,
      packages: [result],
    }),
    { outDir: reportDir, shownOutDir: reportDir, jobRoot: reportDir, quiet: true, layout: 'package' },
    ['json', 'html'],
  );
  if (signingKey !== null || result.verdict !== 'verified') return { result, link: null };
  // Note: the materials are the source files as downloaded (each checked against the index): the .dsc and the
  // files it lists, or the .src.rpm, as verify's own link names them.
  const materials = Object.fromEntries(
    await Promise.all(sourcePaths.map(async (p) => [basename(p), { sha256: await sha256File(p) }] as const)),
  );
  return {
    result,
    link: {
      name: 'rebuild',
      materials,
      products: Object.fromEntries(
        result.artifacts.map((a) => [productNames[a.path] ?? a.path, { sha256: a.sha256.control! }]),
      ),
      command: result.builds.experiment?.command ?? [],
      byproducts: { stdout: '', stderr: '', 'return-value': result.builds.experiment?.exitCode ?? 0 },
    },
  };
}
