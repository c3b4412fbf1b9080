// Fetching from a watched repository, which may be hostile or broken: a path from
// an index is decoded and checked before it becomes a URL, and the URL must stay
// under the repository's; every answer is streamed with a cap on its size (the
// index cap, or the size the index declares for an artifact) and a deadline for
// the whole answer, headers and body; a stop (SIGTERM) ends it at once.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TwinbuildError } from '../../core/errors.js';

export type FetchLimits = Readonly<{
  /** The longest a whole answer (headers and body) may take. */
  timeoutMs: number;
  /** The most bytes read; one more is an error. */
  maxBytes: number;
}>;

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A fetch that failed; `absent`: the server (or file system) says there is no such file. */
class FetchFailed extends TwinbuildError {
  constructor(
    url: string,
    why: string,
    readonly absent = false,
  ) {
    super('setup-failed', `cannot fetch ${url}: ${why}`);
  }
}

const fetchFailed = (url: string, why: string, absent = false) => new FetchFailed(url, why, absent);

/** A relative path inside the repository: no absolute path, URL, backslash, empty, "." or ".." segment, "?" or "#". */
const plainPath = (path: string) =>
  path !== '' &&
  !path.startsWith('/') &&
  !path.includes('://') &&
  !/[\\?#\0]/.test(path) &&
  path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');

// Note: a URL parser decodes "%2e%2e" to ".." (new URL('a/%2e%2e/b', base) climbs),
// so a path is checked both as written and decoded, and an encoded "/" or "\" is refused outright.
export function safePath(path: string): boolean {
  if (/%(2f|5c)/i.test(path)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  return plainPath(path) && plainPath(decoded);
}

/** The URL of `path` in the repository at `base` (ending in "/"); an error if it is not a safe path under it. */
export function repositoryUrl(base: string, path: string): string {
  const url = safePath(path) ? new URL(path, base) : null;
  if (!url || url.origin !== new URL(base).origin || !url.href.startsWith(base) || url.search || url.hash)
    throw new TwinbuildError(
      'setup-failed',
      `"${path.slice(0, 200)}" is not a path inside the repository ${base}; refused`,
    );
  return url.href;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Reads a stream into one buffer, refusing it past `maxBytes`. */
async function collect(chunks: AsyncIterable<Uint8Array>, maxBytes: number, url: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > maxBytes) throw fetchFailed(url, `larger than ${maxBytes} bytes; refused`);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts, size);
}

// Note: the deadline is our own timer and controller, held for the whole read:
// fetch's body stream errors when the controller aborts, so neither a slow body
// nor a stop (the caller's signal) can keep the read alive.
export async function fetchBytes(url: string, limits: FetchLimits, signal?: AbortSignal): Promise<Buffer> {
  const controller = new AbortController();
  const late = `no whole answer within ${seconds(limits.timeoutMs)}`;
  const timer = setTimeout(() => controller.abort(new Error(late)), limits.timeoutMs);
  const stop = () => controller.abort(new Error('interrupted'));
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  const why = (cause: unknown) =>
    controller.signal.aborted
      ? (controller.signal.reason as Error).message
      : ((cause as Error & { cause?: Error }).cause?.message ?? (cause as Error).message);
  try {
    if (url.startsWith('file:')) {
      const stream = createReadStream(fileURLToPath(url), { signal: controller.signal });
      try {
        return await collect(stream, limits.maxBytes, url);
      } catch (cause) {
        if (cause instanceof TwinbuildError) throw cause;
        throw fetchFailed(url, why(cause), (cause as { code?: string }).code === 'ENOENT');
      } finally {
        stream.destroy();
      }
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'error' });
    } catch (cause) {
      throw fetchFailed(url, why(cause));
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw fetchFailed(url, `HTTP ${response.status}`, response.status === 404);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw fetchFailed(url, `larger than ${limits.maxBytes} bytes (content-length ${declared}); refused`);
    }
    if (!response.body) return Buffer.alloc(0);
    try {
      return await collect(response.body, limits.maxBytes, url);
    } catch (cause) {
      await response.body.cancel().catch(() => undefined);
      throw cause instanceof TwinbuildError ? cause : fetchFailed(url, why(cause));
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
    if (!controller.signal.aborted) controller.abort(new Error('done'));
  }
}

/** As fetchBytes, but null for a file the repository does not have (HTTP 404, no such file). */
export async function fetchIfPresent(url: string, limits: FetchLimits, signal?: AbortSignal): Promise<Buffer | null> {
  try {
    return await fetchBytes(url, limits, signal);
  } catch (error) {
    if (error instanceof FetchFailed && error.absent) return null;
    throw error;
  }
}
