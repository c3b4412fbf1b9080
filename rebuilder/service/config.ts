// The rebuilder service's one config file (JSON): the repositories it watches,
// how many verifies run at once, the signing key, where links are published and
// where its state lives. Every mistake is exit 2 naming the field. A repository
// is an apt archive (the default) or, with "format": "rpm", createrepo_c repodata.
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { TwinbuildError } from '../../core/errors.js';

type RepositoryBase = Readonly<{
  /** A short name, unique in the file: the status page groups by it. */
  name: string;
  /** The archive root (http://127.0.0.1:PORT/… or file:///…); every other path is relative to it. */
  url: string;
  /**
   * The keyring (absolute path, for gpgv) its InRelease / Release.gpg or repomd.xml.asc must be signed with;
   * null only with the config's explicit "unsigned": true.
   */
  keyring: string | null;
}>;

/** An apt archive: Sources and Packages indexes, .buildinfo files beside them. */
export type AptRepositoryConfig = RepositoryBase &
  Readonly<{
    format: 'apt';
    /** The Sources index, e.g. dists/bookworm/main/source/Sources. */
    sources: string;
    /** The Packages indexes (one per architecture or component). */
    packages: readonly string[];
    /** The directory holding <source>_<version>_<arch>.buildinfo files. */
    buildinfo: string;
    /** A Release file listing the indexes' SHA256 (checked when given). */
    release: string | null;
  }>;

/** An RPM repository made by createrepo_c: binaries and source RPMs in its primary index (or the sources in a second repository). */
export type RpmRepositoryConfig = RepositoryBase &
  Readonly<{
    format: 'rpm';
    /** The repomd.xml of the binary RPMs, e.g. repodata/repomd.xml. */
    repodata: string;
    /** The repomd.xml listing the .src.rpm files (arch "src"); default: the same as repodata. */
    sourceRepodata: string;
  }>;

export type RepositoryConfig = AptRepositoryConfig | RpmRepositoryConfig;

export type ServiceConfig = Readonly<{
  repositories: readonly RepositoryConfig[];
  /** Rebuilds at once on this machine; 0: a coordinator that leaves every rebuild to its workers. */
  concurrency: number;
  /** The ed25519 key links are signed with ('' in a worker's config, which needs none). */
  signingKey: string;
  /** Where links, reports and the status page are published ('' in a worker's config). */
  publish: string;
  /**
   * The local directory: the SQLite database (STATE/state.db) and its lock, unless `database` is set; downloads
   * and builds' files (STATE/work) either way.
   */
  state: string;
  /** The PostgreSQL URL the state lives in ("state": "postgres://…"), or null for SQLite in `state`. */
  database: string | null;
  pollIntervalMs: number;
  maxAttempts: number;
  backoffMs: number;
  /** The longest one rebuild may take. */
  timeoutMs: number;
  /** The longest one answer of a repository (headers and body) may take. */
  fetchTimeoutMs: number;
  /** The largest index (Release, Sources, Packages, repomd.xml, primary.xml uncompressed, .buildinfo) read. */
  maxIndexBytes: number;
  /** How long a worker's hold on a job lasts unless renewed: a worker lost for longer loses its job. */
  leaseMs: number;
}>;

const fail = (file: string, message: string) => new TwinbuildError('config', `${file}: ${message}`);

type Raw = Record<string, unknown>;

function text(raw: Raw, key: string, file: string, where: string): string {
  const value = raw[key];
  if (typeof value !== 'string' || value.trim() === '') throw fail(file, `${where}"${key}" must be a non-empty string`);
  return value;
}

function count(raw: Raw, key: string, fallback: number, file: string, max: number, min = 1): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw fail(file, `"${key}" must be a whole number from ${min} to ${max}`);
  return value;
}

/** Seconds in the file, milliseconds inside. */
const seconds = (raw: Raw, key: string, fallback: number, file: string, max: number) =>
  count(raw, key, fallback, file, max) * 1000;

function archiveUrl(value: string, base: string, file: string, where: string): string {
  let url: URL;
  try {
    url = value.includes('://') ? new URL(value) : new URL(`file://${resolve(base, value)}`);
  } catch {
    throw fail(file, `${where}"url" is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'file:')
    throw fail(file, `${where}"url" must be http://, https:// or file://, got ${url.protocol}`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

const relativePath = (value: string, file: string, where: string) => {
  const decoded = (() => {
    try {
      return decodeURIComponent(value);
    } catch {
      return '..';
    }
  })();
  if (
    [value, decoded].some((v) => v.startsWith('/') || v.split('/').includes('..') || v.includes('://')) ||
    /%(2f|5c)/i.test(value)
  )
    throw fail(file, `${where}"${value}" must be a path relative to the repository url`);
  return value;
};

// Note: signed unless the config says "unsigned": true, so an unsigned archive is trusted only on purpose.
function keyringOf(r: Raw, format: 'apt' | 'rpm', base: string, file: string, where: string): string | null {
  const unsigned = r['unsigned'];
  if (unsigned !== undefined && unsigned !== true)
    throw fail(file, `${where}"unsigned" is either true (an explicit opt-out) or left out`);
  if (unsigned === true) {
    if (r['keyring'] !== undefined) throw fail(file, `${where}"keyring" and "unsigned": true exclude each other`);
    return null;
  }
  if (r['keyring'] === undefined)
    throw fail(
      file,
      `${where}needs "keyring": the keyring (for gpgv) its ` +
        `${format === 'apt' ? 'InRelease or Release.gpg' : 'repomd.xml.asc'} is signed with, or "unsigned": true ` +
        `to trust it unsigned (a local repository)`,
    );
  return resolve(base, text(r, 'keyring', file, where));
}

function repository(raw: unknown, index: number, base: string, file: string): RepositoryConfig {
  const where = `repositories[${index}]: `;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(file, `${where}must be an object`);
  const r = raw as Raw;
  const name = text(r, 'name', file, where);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw fail(file, `${where}"name" must be letters, digits, ".", "_" or "-" (at most 64), got "${name}"`);
  const format = r['format'] ?? 'apt';
  if (format !== 'apt' && format !== 'rpm')
    throw fail(file, `${where}"format" must be "apt" or "rpm", got ${JSON.stringify(format).slice(0, 100)}`);
  const fields =
    format === 'apt'
      ? ['name', 'format', 'url', 'keyring', 'unsigned', 'sources', 'packages', 'buildinfo', 'release']
      : ['name', 'format', 'url', 'keyring', 'unsigned', 'repodata', 'sourceRepodata'];
  const unknown = Object.keys(r).filter((k) => !fields.includes(k));
  if (unknown.length > 0)
    throw fail(
      file,
      `${where}unknown field${unknown.length > 1 ? 's' : ''} ` +
        `${unknown.map((k) => `"${k}"`).join(', ')} for an ${format} repository (known: ` +
        `${fields.join(', ')})`,
    );
  const url = archiveUrl(text(r, 'url', file, where), base, file, where);
  const keyring = keyringOf(r, format, base, file, where);
  if (format === 'rpm') {
    const repodata =
      r['repodata'] === undefined ? 'repodata/repomd.xml' : relativePath(text(r, 'repodata', file, where), file, where);
    const sourceRepodata =
      r['sourceRepodata'] === undefined ? repodata : relativePath(text(r, 'sourceRepodata', file, where), file, where);
    return { name, format, url, keyring, repodata, sourceRepodata };
  }
  const packages = r['packages'];
  if (!Array.isArray(packages) || packages.length === 0 || !packages.every((p) => typeof p === 'string' && p !== ''))
    throw fail(file, `${where}"packages" must be a non-empty list of index paths`);
  if (keyring !== null && r['release'] === undefined)
    throw fail(
      file,
      `${where}a signed repository needs "release" (the Release file its InRelease or Release.gpg signs)`,
    );
  return {
    name,
    format,
    url,
    keyring,
    sources: relativePath(text(r, 'sources', file, where), file, where),
    packages: (packages as string[]).map((p) => relativePath(p, file, where)),
    buildinfo: relativePath(text(r, 'buildinfo', file, where), file, where),
    release: r['release'] === undefined ? null : relativePath(text(r, 'release', file, where), file, where),
  };
}

const POSTGRES = /^postgres(ql)?:\/\//;

// "state": a directory (SQLite), or a PostgreSQL URL whose local files go to "work" (default: work/ beside the file).
function stateOf(r: Raw, base: string, file: string): Pick<ServiceConfig, 'state' | 'database'> {
  const state = text(r, 'state', file, '');
  if (!POSTGRES.test(state)) {
    if (r['work'] !== undefined)
      throw fail(file, `"work" is only for a PostgreSQL state (a state directory holds its own work/)`);
    return { state: resolve(base, state), database: null };
  }
  try {
    new URL(state);
  } catch {
    throw fail(file, `"state" is not a PostgreSQL URL (postgres://user@host:port/database)`);
  }
  const work = r['work'] === undefined ? 'work' : text(r, 'work', file, '');
  return { state: resolve(base, work), database: state };
}

// Note: relative paths in the file are relative to the file, so a config can move with its directory.
// A worker's config ("role" worker) needs no "signingKey" nor "publish": build machines never see the key.
export async function readServiceConfig(
  path: string,
  role: 'coordinator' | 'worker' = 'coordinator',
): Promise<ServiceConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TwinbuildError('config', `cannot read the rebuilder config ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(path, 'must hold a JSON object');
  const r = raw as Raw;
  const known = [
    'repositories',
    'concurrency',
    'signingKey',
    'publish',
    'state',
    'pollInterval',
    'maxAttempts',
    'backoff',
    'timeout',
    'fetchTimeout',
    'maxIndexSize',
    'work',
    'lease',
  ];
  const unknown = Object.keys(r).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw fail(
      path,
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${known.join(', ')})`,
    );
  const base = dirname(path);
  const list = r['repositories'];
  if (!Array.isArray(list) || list.length === 0) throw fail(path, '"repositories" must be a non-empty list');
  const repositories = list.map((entry, i) => repository(entry, i, base, path));
  const names = repositories.map((x) => x.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw fail(path, `two repositories are named "${twice}"`);
  for (const [i, repo] of repositories.entries())
    if (repo.keyring !== null)
      await access(repo.keyring, constants.R_OK).catch((cause: Error) => {
        throw fail(path, `repositories[${i}]: cannot read the keyring ${repo.keyring}: ${cause.message}`);
      });
  return Object.freeze({
    repositories,
    concurrency: count(r, 'concurrency', 1, path, 64, 0),
    signingKey:
      role === 'worker' && r['signingKey'] === undefined ? '' : resolve(base, text(r, 'signingKey', path, '')),
    publish: role === 'worker' && r['publish'] === undefined ? '' : resolve(base, text(r, 'publish', path, '')),
    ...stateOf(r, base, path),
    pollIntervalMs: seconds(r, 'pollInterval', 300, path, 7 * 86400),
    maxAttempts: count(r, 'maxAttempts', 5, path, 100),
    backoffMs: seconds(r, 'backoff', 60, path, 86400),
    timeoutMs: seconds(r, 'timeout', 3600, path, 7 * 86400),
    fetchTimeoutMs: seconds(r, 'fetchTimeout', 60, path, 86400),
    // Note: in MiB; 511 at most, as V8 holds no string of 512 MiB.
    maxIndexBytes: count(r, 'maxIndexSize', 256, path, 511) * 1024 * 1024,
    leaseMs: seconds(r, 'lease', 60, path, 86400),
  });
}
