// RPM repository metadata (createrepo_c's repodata): repomd.xml names the primary
// index and its sha256; primary.xml lists every package with its checksum, size,
// location and, for a binary, the source RPM it was built from. One job per source
// RPM that has binaries here, the .src.rpm its only source file. As for apt, an
// index that does not match its checksum, or a malformed entry, fails the whole poll.
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { TwinbuildError } from '../../core/errors.js';
import type { RpmRepositoryConfig } from './config.js';
import { fetchBytes, fetchIfPresent, repositoryUrl, safePath, sha256Of } from './fetch.js';
import type { CheckSignature } from './signature.js';
import {
  indexLimits,
  SHA256,
  type Binary,
  type IndexLimits,
  type JobSpec,
  type Refused,
  type RemoteFile,
  type RepositoryRead,
} from './indexes.js';

type Node = Record<string, unknown>;

// Note: namespaces dropped ("rpm:sourcerpm" → "sourcerpm"); attributes kept with
// no prefix, beside child elements (primary.xml has no element named like an
// attribute of its parent). <size package="…"> is an attribute, never a list.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && (name === 'package' || name === 'data'),
});

const malformed = (what: string, why: string) => new TwinbuildError('setup-failed', `${what} is malformed: ${why}`);

function parseXml(bytes: Buffer, what: string): Node {
  try {
    return parser.parse(bytes.toString('utf8'), true) as Node;
  } catch (cause) {
    // Note: a cut-short file ends inside an element, which the validator reports.
    throw new TwinbuildError(
      'setup-failed',
      `${what} is truncated or not XML: ${(cause as { err?: { msg?: string } }).err?.msg ?? (cause as Error).message}`,
      { cause },
    );
  }
}

const text = (node: unknown): string =>
  (typeof node === 'string'
    ? node
    : typeof node === 'object' && node !== null && typeof (node as Node)['#text'] === 'string'
      ? ((node as Node)['#text'] as string)
      : ''
  ).trim();
const attribute = (node: unknown, name: string): string =>
  typeof node === 'object' && node !== null && typeof (node as Node)[name] === 'string'
    ? ((node as Node)[name] as string).trim()
    : '';

// Names, versions and paths become directory names and URLs: only what RPM
// allows passes (rpm's own rules, a little stricter), so none can climb out.
const NAME = /^[A-Za-z0-9_+][A-Za-z0-9_+.-]{0,199}$/;
const VERSION_PART = /^[A-Za-z0-9._+~^]{1,100}$/;
const EPOCH = /^\d{1,9}$/;
const ARCH = /^[A-Za-z0-9_]{1,32}$/;

type Entry = Binary & Readonly<{ sourceRpm: string }>;

/** One <package> of primary.xml, checked. `base` is the repository directory its location is relative to. */
function entry(node: Node, base: string, what: string, index: number): Entry {
  const at = `${what}: package ${index + 1}`;
  const name = text(node['name']);
  const architecture = text(node['arch']);
  const v = node['version'];
  const [epoch, ver, rel] = [attribute(v, 'epoch') || '0', attribute(v, 'ver'), attribute(v, 'rel')];
  const checksum = node['checksum'];
  const size = attribute(node['size'], 'package');
  const href = attribute(node['location'], 'href');
  const format = (node['format'] ?? {}) as Node;
  const sourceRpm = text(format['sourcerpm']);
  if (!NAME.test(name)) throw malformed(at, `name "${name.slice(0, 100)}" is not allowed there`);
  if (!ARCH.test(architecture)) throw malformed(at, `arch "${architecture.slice(0, 100)}" is not allowed there`);
  if (!EPOCH.test(epoch) || !VERSION_PART.test(ver) || !VERSION_PART.test(rel))
    throw malformed(
      at,
      `version epoch="${epoch.slice(0, 20)}" ver="${ver.slice(0, 100)}" rel="${rel.slice(0, 100)}" is not allowed there`,
    );
  if (attribute(checksum, 'type') !== 'sha256' || !SHA256.test(text(checksum)))
    throw malformed(
      at,
      `${name} has no sha256 checksum (createrepo_c's default; found type "${attribute(checksum, 'type')}")`,
    );
  if (!/^\d{1,15}$/.test(size)) throw malformed(at, `${name} has no package size`);
  if (!safePath(href) || !href.endsWith('.rpm'))
    throw malformed(at, `location "${href.slice(0, 200)}" is not a relative path to an .rpm`);
  if (architecture !== 'src' && !(sourceRpm.endsWith('.src.rpm') && safePath(sourceRpm) && !sourceRpm.includes('/')))
    throw malformed(at, `${name} names no source RPM (rpm:sourcerpm "${sourceRpm.slice(0, 100)}")`);
  // Note: the epoch is part of the version as apt and the links' directories spell it; 0 is left out, as rpm -q does.
  const version = `${epoch === '0' ? '' : `${epoch}:`}${ver}-${rel}`;
  return {
    package: name,
    version,
    architecture,
    path: `${base}${href}`,
    sha256: text(checksum),
    size: Number(size),
    sourceRpm,
  };
}

/** The primary index's location and sha256, from repomd.xml. */
function primaryOf(repomd: Node, what: string): { href: string; sha256: string } {
  const data = ((repomd['repomd'] as Node | undefined)?.['data'] ?? []) as Node[];
  const primary = data.find((d) => attribute(d, 'type') === 'primary');
  if (!primary) throw malformed(what, 'it lists no primary index (<data type="primary">)');
  const checksum = primary['checksum'];
  const href = attribute(primary['location'], 'href');
  if (attribute(checksum, 'type') !== 'sha256' || !SHA256.test(text(checksum)))
    throw malformed(
      what,
      `its primary index has no sha256 checksum (found type ` +
        `"${attribute(checksum, 'type')}"; createrepo_c writes sha256 unless told otherwise)`,
    );
  if (!safePath(href)) throw malformed(what, `its primary location "${href.slice(0, 200)}" is not a relative path`);
  return { href, sha256: text(checksum) };
}

// Note: the cap holds for the uncompressed index too (a small .gz can hold gigabytes).
function decompress(bytes: Buffer, href: string, what: string, maxBytes: number): Buffer {
  if (href.endsWith('.xml')) return bytes;
  if (href.endsWith('.gz')) {
    try {
      return gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (cause) {
      if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new TwinbuildError('setup-failed', `${what} is larger than ${maxBytes} bytes uncompressed; refused`, {
          cause,
        });
      throw new TwinbuildError('setup-failed', `${what} is truncated or not gzip: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  throw new TwinbuildError(
    'setup-failed',
    `${what}: ${href.replace(/^.*\./, '.')} indexes are not read here; make the repository with createrepo_c --compress-type=gz`,
  );
}

/** Every package of the repository whose repomd.xml is at `repomdPath` (relative to `url`). */
async function packagesOf(
  repo: RpmRepositoryConfig,
  repomdPath: string,
  limits: IndexLimits,
  refused: Refused,
  checkSignature: CheckSignature,
  signal?: AbortSignal,
): Promise<Entry[]> {
  const { url, name: repoName } = repo;
  const get = (path: string) => fetchBytes(repositoryUrl(url, path), indexLimits(limits), signal);
  const base = repomdPath.includes('repodata/') ? repomdPath.slice(0, repomdPath.lastIndexOf('repodata/')) : '';
  const repomdWhat = `${repoName}: ${repomdPath}`;
  let repomd = await get(repomdPath);
  if (repo.keyring !== null) {
    const signature = await fetchIfPresent(repositoryUrl(url, `${repomdPath}.asc`), indexLimits(limits), signal);
    if (!signature)
      throw new TwinbuildError(
        'setup-failed',
        `${repomdWhat} is not signed (no ${repomdPath}.asc); its config names a keyring ("unsigned": true trusts it unsigned)`,
      );
    repomd = await checkSignature(`${repomdWhat}.asc`, repo.keyring, repomd, signature);
  }
  const primary = primaryOf(parseXml(repomd, repomdWhat), repomdWhat);
  const what = `${repoName}: ${base}${primary.href}`;
  const bytes = await get(`${base}${primary.href}`);
  const actual = sha256Of(bytes);
  if (actual !== primary.sha256)
    throw new TwinbuildError(
      'setup-failed',
      `${what} has sha256 ${actual} (${bytes.length} bytes), but repomd.xml says ${primary.sha256}: truncated or stale index`,
    );
  const metadata = parseXml(decompress(bytes, primary.href, what, limits.maxIndexBytes), what)['metadata'] as
    Node | undefined;
  if (!metadata) throw malformed(what, 'it has no <metadata> root');
  const declared = attribute(metadata, 'packages');
  const list = (metadata['package'] ?? []) as Node[];
  if (declared !== '' && Number(declared) !== list.length)
    throw new TwinbuildError(
      'setup-failed',
      `${what} is truncated: it declares ${declared} packages and lists ${list.length}`,
    );
  // Note: a malformed <package> refuses only itself; the others are read on.
  return list.flatMap((node, i) => {
    try {
      return [entry(node, base, what, i)];
    } catch (error) {
      if (!(error instanceof TwinbuildError)) throw error;
      refused.push(error.message);
      return [];
    }
  });
}

/** Reads an RPM repository's metadata: one job per source RPM with binaries for `hostArchitecture` (or noarch) here. */
export async function readRpmRepository(
  repo: RpmRepositoryConfig,
  hostArchitecture: string,
  limits: IndexLimits,
  checkSignature: CheckSignature,
  signal?: AbortSignal,
): Promise<RepositoryRead> {
  const refused: Refused = [];
  const binaries = await packagesOf(repo, repo.repodata, limits, refused, checkSignature, signal);
  const sources =
    repo.sourceRepodata === repo.repodata
      ? binaries
      : await packagesOf(repo, repo.sourceRepodata, limits, refused, checkSignature, signal);
  const buildable = binaries.filter(
    (b) => b.architecture !== 'src' && (b.architecture === 'noarch' || b.architecture === hostArchitecture),
  );
  const jobs = sources
    .filter((s) => s.architecture === 'src')
    .map((s): JobSpec => {
      const srpm: RemoteFile = { path: s.path, sha256: s.sha256, size: s.size };
      const built = buildable.filter((b) => b.sourceRpm === posix.basename(s.path));
      return {
        repository: repo.name,
        format: 'rpm',
        source: s.package,
        version: s.version,
        sourceFiles: [srpm],
        binaries: built.map(({ package: name, version, architecture, path, sha256, size }) => ({
          package: name,
          version,
          architecture,
          path,
          sha256,
          size,
        })),
      };
    })
    .filter((job) => job.binaries.length > 0);
  return { jobs, refused };
}
