// What one verify fetches from its repository: the source and binary files its
// index lists, each read no further than the size it declares and checked against
// its sha256, and the .buildinfo beside them (an index-sized read).
import { basename, join } from 'node:path';
import { fetchBytes, repositoryUrl, sha256Of } from './fetch.js';
import { indexLimits, type IndexLimits, type JobSpec, type RemoteFile } from './indexes.js';
import { writeDurably } from './publish.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Note: no more than the index declares is read: a file served endlessly fails at its declared size plus one byte.
export async function download(
  url: string,
  file: RemoteFile,
  to: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string> {
  const bytes = await fetchBytes(repositoryUrl(url, file.path), { timeoutMs, maxBytes: file.size }, signal);
  const actual = sha256Of(bytes);
  if (actual !== file.sha256 || bytes.length !== file.size) {
    throw new Error(
      `${file.path} as served has sha256 ${actual} (${bytes.length} bytes), but the index says ${file.sha256} (${file.size} bytes)`,
    );
  }
  const path = join(to, basename(file.path));
  await writeDurably(path, bytes);
  return path;
}

// Note: Debian names a .buildinfo after the build's architecture (amd64 for an
// arch:all package built on amd64), so the host's, "all" and "source" are tried.
export async function fetchBuildinfo(
  url: string,
  dir: string,
  spec: JobSpec,
  host: string,
  to: string,
  limits: IndexLimits,
  signal: AbortSignal,
): Promise<string> {
  const version = spec.version.replace(/^\d+:/, '');
  const tried: string[] = [];
  for (const arch of [host, 'all', 'source']) {
    const name = `${spec.source}_${version}_${arch}.buildinfo`;
    try {
      const within = dir.replace(/^(\.\/)+/, '').replace(/^\.$/, '');
      const at = repositoryUrl(url, `${within === '' ? '' : within.replace(/\/?$/, '/')}${encodeURIComponent(name)}`);
      const bytes = await fetchBytes(at, indexLimits(limits), signal);
      await writeDurably(join(to, name), bytes);
      return join(to, name);
    } catch (error) {
      tried.push(messageOf(error));
    }
  }
  throw new Error(`no .buildinfo for ${spec.source} ${spec.version}: ${tried.join('; ')}`);
}
