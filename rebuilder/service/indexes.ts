// apt repository indexes: fetching (http(s) or file://), checking them against the
// Release file, and turning Sources + Packages into one job per (source, version)
// with the files a verify needs. A truncated or inconsistent index is an error,
// never a partial list.
import { TwinbuildError } from '../../core/errors.js';
import { parseDeb822 } from '../buildinfo.js';
import type { AptRepositoryConfig, ServiceConfig } from './config.js';
import { fetchBytes, fetchIfPresent, repositoryUrl, safePath, sha256Of } from './fetch.js';
import type { CheckSignature } from './signature.js';

export type RemoteFile = Readonly<{ path: string; sha256: string; size: number }>;

export type Binary = Readonly<{ package: string; version: string; architecture: string } & RemoteFile>;

/** One (source, version) of one repository: what is fetched to verify it. */
export type JobSpec = Readonly<{
  repository: string;
  /** What kind of repository listed it; absent in jobs queued before RPM repositories existed: apt. */
  format?: 'apt' | 'rpm';
  source: string;
  version: string;
  /** The .dsc first, then the files it lists (or the one .src.rpm), relative to the repository url. */
  sourceFiles: readonly RemoteFile[];
  binaries: readonly Binary[];
}>;

export const SHA256 = /^[0-9a-f]{64}$/;

/** What a poll may fetch: the deadline of one answer and the size of an index. */
export type IndexLimits = Pick<ServiceConfig, 'fetchTimeoutMs' | 'maxIndexBytes'>;

export const indexLimits = (l: IndexLimits) => ({ timeoutMs: l.fetchTimeoutMs, maxBytes: l.maxIndexBytes });

/** deb822 paragraphs; an index that does not end with a newline was cut short. */
function paragraphs(text: string, what: string): Map<string, string>[] {
  if (text.length > 0 && !text.endsWith('\n'))
    throw new TwinbuildError('setup-failed', `${what} is truncated (it ends in the middle of a line)`);
  return text
    .split(/\n[ \t]*\n/)
    .filter((p) => p.trim() !== '')
    .map((p) => parseDeb822(p));
}

function required(fields: Map<string, string>, names: readonly string[], what: string, index: number): void {
  const missing = names.filter((n) => !fields.get(n)?.trim());
  if (missing.length > 0)
    throw new TwinbuildError(
      'setup-failed',
      `${what} is truncated or malformed: entry ${index + 1} has no ${missing.join(', ')}`,
    );
}

/** The SHA256 section of a Release file: path → sha256. */
export function releaseHashes(text: string): Map<string, { sha256: string; size: number }> {
  const listed = parseDeb822(text).get('SHA256') ?? '';
  const hashes = new Map<string, { sha256: string; size: number }>();
  for (const line of listed.split('\n')) {
    const [sha256, size, path] = line.trim().split(/\s+/);
    if (sha256 && size && path && SHA256.test(sha256)) hashes.set(path, { sha256, size: Number(size) });
  }
  return hashes;
}

function checkAgainstRelease(
  release: Map<string, { sha256: string; size: number }> | null,
  releaseDir: string,
  path: string,
  bytes: Buffer,
  what: string,
): void {
  if (!release) return;
  const listed = release.get(path.startsWith(releaseDir) ? path.slice(releaseDir.length) : path);
  if (!listed) throw new TwinbuildError('setup-failed', `${what} is not listed in the Release file`);
  const actual = sha256Of(bytes);
  if (listed.sha256 !== actual)
    throw new TwinbuildError(
      'setup-failed',
      `${what} has sha256 ${actual} (${bytes.length} bytes), but the Release file ` +
        `says ${listed.sha256} (${listed.size} bytes): truncated or stale index`,
    );
}

const noEpoch = (version: string) => version.replace(/^\d+:/, '');

// Names and versions from an index become directory names (reports, published
// links) and URLs: only what Debian policy allows passes, so none can climb out.
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^[0-9][A-Za-z0-9.+~:-]*$/;
const ARCHITECTURE = /^[a-z0-9-]+$/;
function checkEntry(
  what: string,
  index: number,
  checks: readonly (readonly [string, string, RegExp | ((v: string) => boolean)])[],
): void {
  for (const [field, value, rule] of checks) {
    const ok = typeof rule === 'function' ? rule(value) : rule.test(value);
    if (!ok)
      throw new TwinbuildError(
        'setup-failed',
        `${what} is malformed: entry ${index + 1} has ${field} "${value.slice(0, 100)}", which is not allowed there`,
      );
  }
}

/** What one poll refused: an entry's reason, the others read on. */
export type Refused = string[];

// Note: one malformed entry refuses only itself (its reason goes to `refused`);
// a cut or unparsable index still fails the whole poll, in paragraphs().
function eachEntry<T>(
  list: readonly Map<string, string>[],
  refused: Refused,
  read: (f: Map<string, string>, i: number) => T,
): T[] {
  return list.flatMap((f, i) => {
    try {
      return [read(f, i)];
    } catch (error) {
      if (!(error instanceof TwinbuildError)) throw error;
      refused.push(error.message);
      return [];
    }
  });
}

function sourceEntries(
  text: string,
  what: string,
  refused: Refused,
): { source: string; version: string; files: RemoteFile[] }[] {
  return eachEntry(paragraphs(text, what), refused, (f, i) => {
    required(f, ['Package', 'Version', 'Checksums-Sha256'], what, i);
    const directory = (f.get('Directory') ?? '.').trim().replace(/\/+$/, '');
    const files = f
      .get('Checksums-Sha256')!
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => {
        const [sha256, size, name] = line.split(/\s+/);
        if (!sha256 || !SHA256.test(sha256) || !name || !/^\d{1,15}$/.test(size ?? '') || name.includes('/'))
          throw new TwinbuildError(
            'setup-failed',
            `${what} is malformed: entry ${i + 1} lists "${line.slice(0, 300)}"`,
          );
        return {
          path: directory === '.' || directory === '' ? name : `${directory}/${name}`,
          sha256,
          size: Number(size),
        };
      });
    checkEntry(what, i, [
      ['Package', f.get('Package')!.trim(), PACKAGE_NAME],
      ['Version', f.get('Version')!.trim(), VERSION],
      ...files.map((file) => ['file', file.path, safePath] as const),
    ]);
    const dsc = files.findIndex((file) => file.path.endsWith('.dsc'));
    if (dsc < 0) throw new TwinbuildError('setup-failed', `${what} is malformed: entry ${i + 1} lists no .dsc`);
    return {
      source: f.get('Package')!.trim(),
      version: f.get('Version')!.trim(),
      files: [files[dsc]!, ...files.filter((_, j) => j !== dsc)],
    };
  });
}

function binaryEntries(
  text: string,
  what: string,
  refused: Refused,
): (Binary & { source: string; sourceVersion: string })[] {
  return eachEntry(paragraphs(text, what), refused, (f, i) => {
    required(f, ['Package', 'Version', 'Architecture', 'Filename', 'SHA256', 'Size'], what, i);
    const sha256 = f.get('SHA256')!.trim();
    if (!SHA256.test(sha256))
      throw new TwinbuildError(
        'setup-failed',
        `${what} is malformed: entry ${i + 1} has SHA256 "${sha256.slice(0, 100)}"`,
      );
    // Note: the declared size caps the download, so it must be a number.
    const size = f.get('Size')!.trim();
    if (!/^\d{1,15}$/.test(size))
      throw new TwinbuildError('setup-failed', `${what} is malformed: entry ${i + 1} has Size "${size.slice(0, 100)}"`);
    const name = f.get('Package')!.trim();
    const version = f.get('Version')!.trim();
    // Source: "name" or "name (version)"; absent: the binary's own name and version.
    const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec((f.get('Source') ?? name).trim());
    const path = f.get('Filename')!.trim().replace(/^\.\//, '');
    checkEntry(what, i, [
      ['Package', name, PACKAGE_NAME],
      ['Version', version, VERSION],
      ['Architecture', f.get('Architecture')!.trim(), ARCHITECTURE],
      ['Filename', path, safePath],
    ]);
    return {
      package: name,
      version,
      architecture: f.get('Architecture')!.trim(),
      path,
      sha256,
      size: Number(size),
      source: source?.[1] ?? name,
      sourceVersion: source?.[2] ?? version,
    };
  });
}

/** The Release file as signed: InRelease (apt's first choice), else Release with Release.gpg; as served if unsigned. */
async function signedRelease(
  repo: AptRepositoryConfig,
  path: string,
  get: (path: string) => Promise<Buffer>,
  getIfPresent: (path: string) => Promise<Buffer | null>,
  checkSignature: CheckSignature,
): Promise<Buffer> {
  if (repo.keyring === null) return get(path);
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  const inRelease = await getIfPresent(`${dir}InRelease`);
  if (inRelease) return checkSignature(`${repo.name}: ${dir}InRelease`, repo.keyring, inRelease, null);
  const release = await get(path);
  const signature = await getIfPresent(`${path}.gpg`);
  if (!signature)
    throw new TwinbuildError(
      'setup-failed',
      `${repo.name}: the repository is not signed (no ${dir}InRelease, no ${path}.gpg); its config names a ` +
        `keyring ("unsigned": true trusts it unsigned)`,
    );
  return checkSignature(`${repo.name}: ${path}.gpg`, repo.keyring, release, signature);
}

/** One poll of one repository: a job per source version with binaries here, and the entries refused, with why. */
export type RepositoryRead = Readonly<{ jobs: JobSpec[]; refused: Refused }>;

/** Reads a repository's indexes and returns one job per source version that has binaries here. */
export async function readRepository(
  repo: AptRepositoryConfig,
  hostArchitecture: string,
  limits: IndexLimits,
  checkSignature: CheckSignature,
  signal?: AbortSignal,
): Promise<RepositoryRead> {
  const refused: Refused = [];
  const get = (path: string) => fetchBytes(repositoryUrl(repo.url, path), indexLimits(limits), signal);
  const getIfPresent = (path: string) => fetchIfPresent(repositoryUrl(repo.url, path), indexLimits(limits), signal);
  const release = repo.release
    ? releaseHashes((await signedRelease(repo, repo.release, get, getIfPresent, checkSignature)).toString('utf8'))
    : null;
  const releaseDir = repo.release?.includes('/') ? repo.release.slice(0, repo.release.lastIndexOf('/') + 1) : '';
  const index = async (path: string) => {
    const what = `${repo.name}: ${path}`;
    const bytes = await get(path);
    checkAgainstRelease(release, releaseDir, path, bytes, what);
    return { text: bytes.toString('utf8'), what };
  };
  const sources = await index(repo.sources);
  const binaries = (await Promise.all(repo.packages.map(index))).flatMap((p) => binaryEntries(p.text, p.what, refused));
  const buildable = binaries.filter((b) => b.architecture === 'all' || b.architecture === hostArchitecture);
  const jobs = sourceEntries(sources.text, sources.what, refused)
    .map((s) => ({
      repository: repo.name,
      format: 'apt' as const,
      source: s.source,
      version: s.version,
      sourceFiles: s.files,
      binaries: buildable
        .filter((b) => b.source === s.source && noEpoch(b.sourceVersion) === noEpoch(s.version))
        .map(({ package: name, version, architecture, path, sha256, size }) => ({
          package: name,
          version,
          architecture,
          path,
          sha256,
          size,
        })),
    }))
    .filter((job) => job.binaries.length > 0);
  return { jobs, refused };
}
